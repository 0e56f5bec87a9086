import type { Actor } from '@warden/ledger';
import type { DomainEvent } from '../ledger/decider';

/**
 * One approval per stream (`approval-<approvalId>`): requested by the gateway node that held the
 * call, decided by an approver on any node, consumed once by the call it released. The stream's
 * expected revision makes each step happen once, whichever node tries.
 */
export type StepUpRequested = DomainEvent<
  'StepUpRequested',
  {
    approvalId: string;
    /** The held call (its ToolCallDecided with decision step_up). */
    callId: string;
    agentId: string;
    serverId: string;
    tool: string;
    /** Keyed digest of the canonical arguments: an approval releases only a call with these exact arguments. */
    argumentsDigest: string;
    /** The policy rules that asked for the step-up. */
    rules: string[];
    requestedAt: string;
    expiresAt: string;
  }
>;
export type StepUpApproved = DomainEvent<'StepUpApproved', { approvalId: string; approver: Actor; comment: string | null; at: string }>;
export type StepUpDenied = DomainEvent<'StepUpDenied', { approvalId: string; approver: Actor; comment: string | null; at: string }>;
/** The approval released one call (single use): the waiting request, or a retry with the same arguments. */
export type StepUpConsumed = DomainEvent<'StepUpConsumed', { approvalId: string; callId: string; at: string }>;

export type ApprovalEvent = StepUpRequested | StepUpApproved | StepUpDenied | StepUpConsumed;

export const APPROVAL_STREAM_PREFIX = 'approval-';
export const approvalStream = (approvalId: string) => `${APPROVAL_STREAM_PREFIX}${approvalId}`;
