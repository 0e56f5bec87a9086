import { WardenError } from '../../common/warden-error';
import { foldEnvelopes } from '../../ledger/decider';
import { capabilityTokenDecider as decider, type CapabilityTokenCommand } from './capability-token.decider';
import type { CapabilityTokenEvent } from './capability-token.events';

const grant = { jti: 'j1', orgId: 'o1', agentId: 'a1', serverId: 's1', tools: ['echo'], exp: 100, kid: 'ed25519:k' };
const given = (events: CapabilityTokenEvent[]) => foldEnvelopes(decider, events.map((e) => ({ type: e.type, data: e.data }) as never));
const when = (events: CapabilityTokenEvent[], command: CapabilityTokenCommand) => decider.decide(command, given(events));
const issued: CapabilityTokenEvent = { type: 'CapabilityTokenIssued', data: grant };

describe('capability token decider', () => {
  it('issues once', () => {
    expect(when([], { type: 'IssueCapabilityToken', grant })).toEqual([issued]);
    expect(() => when([issued], { type: 'IssueCapabilityToken', grant })).toThrow(expect.objectContaining({ code: 'TOKENS.EXISTS' }));
  });

  it('revokes an issued token of the same organisation, once', () => {
    const revoked: CapabilityTokenEvent = { type: 'CapabilityTokenRevoked', data: { jti: 'j1', orgId: 'o1', agentId: 'a1' } };
    expect(when([issued], { type: 'RevokeCapabilityToken', jti: 'j1', orgId: 'o1' })).toEqual([revoked]);
    expect(when([issued, revoked], { type: 'RevokeCapabilityToken', jti: 'j1', orgId: 'o1' })).toEqual([]);
  });

  it('does not know tokens of another organisation, nor tokens never issued', () => {
    for (const events of [[issued], []]) {
      const error = (() => {
        try {
          when(events, { type: 'RevokeCapabilityToken', jti: 'j1', orgId: 'o2' });
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(WardenError);
      expect(error).toMatchObject({ kind: 'not_found', code: 'TOKENS.UNKNOWN' });
    }
  });
});
