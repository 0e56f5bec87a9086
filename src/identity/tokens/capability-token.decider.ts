import { WardenError } from '../../common/warden-error';
import type { Decider } from '../../ledger/decider';
import type { CapabilityTokenEvent, CapabilityTokenIssued } from './capability-token.events';

export interface IssueCapabilityToken {
  type: 'IssueCapabilityToken';
  grant: CapabilityTokenIssued['data'];
}

export interface RevokeCapabilityToken {
  type: 'RevokeCapabilityToken';
  jti: string;
  /** The organisation of whoever revokes: another organisation's token does not exist for it. */
  orgId: string;
}

export type CapabilityTokenCommand = IssueCapabilityToken | RevokeCapabilityToken;

export interface CapabilityTokenState {
  issued?: { orgId: string; agentId: string };
  revoked: boolean;
}

export const capabilityTokenDecider: Decider<CapabilityTokenCommand, CapabilityTokenEvent, CapabilityTokenState> = {
  initialState: () => ({ revoked: false }),
  evolve(state, event) {
    switch (event.type) {
      case 'CapabilityTokenIssued':
        return { ...state, issued: { orgId: event.data.orgId, agentId: event.data.agentId } };
      case 'CapabilityTokenRevoked':
        return { ...state, revoked: true };
      default: {
        const unknown: never = event;
        return unknown;
      }
    }
  },
  decide(command, state) {
    switch (command.type) {
      case 'IssueCapabilityToken':
        if (state.issued) throw new WardenError('conflict', 'TOKENS.EXISTS', `token ${command.grant.jti} was already issued`);
        return [{ type: 'CapabilityTokenIssued', data: command.grant }];
      case 'RevokeCapabilityToken':
        if (!state.issued || state.issued.orgId !== command.orgId) throw new WardenError('not_found', 'TOKENS.UNKNOWN', `no token ${command.jti} in this organisation`);
        // Revoking twice changes nothing: the first revocation stands.
        if (state.revoked) return [];
        return [{ type: 'CapabilityTokenRevoked', data: { jti: command.jti, orgId: command.orgId, agentId: state.issued.agentId } }];
      default: {
        const unknown: never = command;
        return unknown;
      }
    }
  },
};
