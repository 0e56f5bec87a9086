import { foldEnvelopes } from '../ledger/decider';
import { approvalDecider, approvalStateAt, type ApprovalCommand } from './approval.decider';
import type { ApprovalEvent } from './approvals.events';
import type { EventEnvelope } from '@warden/ledger';

const owner = { kind: 'user' as const, id: 'owner' };
const approver = { kind: 'user' as const, id: 'ada' };
const requested: ApprovalEvent = {
  type: 'StepUpRequested',
  data: { approvalId: 'ap1', callId: 'c1', agentId: 'a1', serverId: 's1', tool: 'write_note', argumentsDigest: 'hmac-sha256:00', rules: ['default.write'], requestedAt: '2026-11-01T10:00:00.000Z', expiresAt: '2026-11-01T11:00:00.000Z' },
};
const decide = (verdict: 'approve' | 'deny', who = approver, at = '2026-11-01T10:10:00.000Z', allowSelfApproval = false): ApprovalCommand => ({ type: 'DecideStepUp', verdict, approver: who, owner, allowSelfApproval, comment: null, at });
const given = (events: ApprovalEvent[]) => foldEnvelopes(approvalDecider, events.map((e) => ({ type: e.type, data: e.data }) as unknown as EventEnvelope));
const when = (events: ApprovalEvent[], command: ApprovalCommand) => approvalDecider.decide(command, given(events));

describe('approval decider', () => {
  it('approves or denies a pending request, recording the approver', () => {
    expect(when([requested], decide('approve'))).toEqual([{ type: 'StepUpApproved', data: { approvalId: 'ap1', approver, comment: null, at: '2026-11-01T10:10:00.000Z' } }]);
    expect(when([requested], decide('deny'))[0].type).toBe('StepUpDenied');
  });

  it('refuses the owner unless self-approval is allowed', () => {
    expect(() => when([requested], decide('approve', owner))).toThrow(expect.objectContaining({ code: 'APPROVAL.SELF_APPROVAL', kind: 'forbidden' }));
    expect(when([requested], decide('approve', owner, '2026-11-01T10:10:00.000Z', true))[0].type).toBe('StepUpApproved');
  });

  it('refuses to decide twice, or after expiry', () => {
    const approved = when([requested], decide('approve'))[0];
    expect(() => when([requested, approved], decide('deny'))).toThrow(expect.objectContaining({ code: 'APPROVAL.NOT_PENDING', details: expect.objectContaining({ state: 'approved' }) }));
    expect(() => when([requested], decide('approve', approver, '2026-11-01T11:00:00.000Z'))).toThrow(expect.objectContaining({ details: expect.objectContaining({ state: 'expired' }) }));
  });

  it('is consumed once, only when approved and unexpired', () => {
    const approved = when([requested], decide('approve'))[0];
    const consume = (at = '2026-11-01T10:20:00.000Z'): ApprovalCommand => ({ type: 'ConsumeApproval', callId: 'c2', at });
    const consumed = when([requested, approved], consume());
    expect(consumed).toEqual([{ type: 'StepUpConsumed', data: { approvalId: 'ap1', callId: 'c2', at: '2026-11-01T10:20:00.000Z' } }]);
    expect(() => when([requested, approved, ...consumed], consume())).toThrow(expect.objectContaining({ code: 'APPROVAL.NOT_USABLE', details: expect.objectContaining({ state: 'consumed' }) }));
    expect(() => when([requested], consume())).toThrow(expect.objectContaining({ details: expect.objectContaining({ state: 'pending' }) }));
    expect(() => when([requested, approved], consume('2026-11-01T12:00:00.000Z'))).toThrow(expect.objectContaining({ details: expect.objectContaining({ state: 'expired' }) }));
    expect(approvalStateAt(given([requested, approved, ...consumed]), Date.parse('2026-11-01T12:00:00.000Z'))).toBe('consumed');
  });
});
