import type { Actor } from '@warden/ledger';
import { WardenError } from '../common/warden-error';
import type { Decider } from '../ledger/decider';
import type { ApprovalEvent, StepUpRequested } from './approvals.events';

export type ApprovalState = 'pending' | 'approved' | 'denied' | 'expired' | 'consumed';

export type ApprovalCommand =
  | { type: 'RequestStepUp'; request: StepUpRequested['data'] }
  | { type: 'DecideStepUp'; verdict: 'approve' | 'deny'; approver: Actor; owner: Actor | undefined; allowSelfApproval: boolean; comment: string | null; at: string }
  | { type: 'ConsumeApproval'; callId: string; at: string };

export interface ApprovalAggregate {
  request?: StepUpRequested['data'];
  decided?: 'approved' | 'denied';
  consumedBy?: string;
}

/** Where an approval stands at `at`: an undecided or unused approval past its expiry is expired. */
export function approvalStateAt(state: ApprovalAggregate, atMs: number): ApprovalState {
  if (state.consumedBy !== undefined) return 'consumed';
  if (state.decided === 'denied') return 'denied';
  if (state.request && Date.parse(state.request.expiresAt) <= atMs) return 'expired';
  return state.decided ?? 'pending';
}

const sameActor = (a: Actor, b: Actor | undefined) => b !== undefined && a.kind === b.kind && a.id === b.id;

/** An approval's life: requested → approved / denied (by someone other than the agent's owner) → consumed once, before it expires. */
export const approvalDecider: Decider<ApprovalCommand, ApprovalEvent, ApprovalAggregate> = {
  initialState: () => ({}),
  evolve(state, event) {
    switch (event.type) {
      case 'StepUpRequested':
        return { request: event.data };
      case 'StepUpApproved':
        return { ...state, decided: 'approved' };
      case 'StepUpDenied':
        return { ...state, decided: 'denied' };
      case 'StepUpConsumed':
        return { ...state, consumedBy: event.data.callId };
      default: {
        const never: never = event;
        return never;
      }
    }
  },
  decide(command, state) {
    switch (command.type) {
      case 'RequestStepUp':
        if (state.request) throw new WardenError('conflict', 'APPROVAL.EXISTS', 'this approval was already requested');
        return [{ type: 'StepUpRequested', data: command.request }];
      case 'DecideStepUp': {
        const request = requireRequest(state);
        const current = approvalStateAt(state, Date.parse(command.at));
        if (current !== 'pending') throw new WardenError('conflict', 'APPROVAL.NOT_PENDING', `this approval is ${current}, so it cannot be decided`, { approvalId: request.approvalId, state: current });
        if (!command.allowSelfApproval && sameActor(command.approver, command.owner)) {
          throw new WardenError('forbidden', 'APPROVAL.SELF_APPROVAL', "the agent's owner may not decide its own agent's step-up (WARDEN_STEP_UP_ALLOW_SELF_APPROVAL is off)", { approvalId: request.approvalId });
        }
        const data = { approvalId: request.approvalId, approver: command.approver, comment: command.comment, at: command.at };
        return [command.verdict === 'approve' ? { type: 'StepUpApproved', data } : { type: 'StepUpDenied', data }];
      }
      case 'ConsumeApproval': {
        const request = requireRequest(state);
        const current = approvalStateAt(state, Date.parse(command.at));
        if (current !== 'approved') throw new WardenError('conflict', 'APPROVAL.NOT_USABLE', `this approval is ${current}, so it releases no call`, { approvalId: request.approvalId, state: current });
        return [{ type: 'StepUpConsumed', data: { approvalId: request.approvalId, callId: command.callId, at: command.at } }];
      }
      default: {
        const never: never = command;
        return never;
      }
    }
  },
};

function requireRequest(state: ApprovalAggregate): StepUpRequested['data'] {
  if (!state.request) throw new WardenError('not_found', 'APPROVAL.UNKNOWN', 'no such approval');
  return state.request;
}
