import type { DomainEvent } from '../ledger/decider';

/** Free-form labels for the policy gate (CEL `agent.labels.team`). */
export type AgentLabels = Record<string, string>;

/** The agent's key is never recorded: only its SHA-256 and a short hint. */
export type AgentRegistered = DomainEvent<
  'AgentRegistered',
  { agentId: string; orgId: string; name: string; keyHash: string; hint: string; servers: string[] | null; labels?: AgentLabels }
>;

/** Only the fields that changed are present; `servers: null` = every server of the organisation. */
export type AgentUpdated = DomainEvent<'AgentUpdated', { agentId: string; name?: string; labels?: AgentLabels; servers?: string[] | null }>;
export type AgentSuspended = DomainEvent<'AgentSuspended', { agentId: string }>;
export type AgentResumed = DomainEvent<'AgentResumed', { agentId: string }>;
/** Final: a revoked agent is never served again. */
export type AgentRevoked = DomainEvent<'AgentRevoked', { agentId: string }>;
/**
 * A new key (its hash and hint); every earlier key stops at `previousKeysValidUntil` (RFC 3339),
 * or at once when it is null. A grace period can shorten an earlier one, never extend it.
 */
export type AgentKeyRotated = DomainEvent<
  'AgentKeyRotated',
  { agentId: string; keyHash: string; hint: string; previousKeysValidUntil: string | null }
>;

export type AgentEvent = AgentRegistered | AgentUpdated | AgentSuspended | AgentResumed | AgentRevoked | AgentKeyRotated;

export const AGENT_STREAM_PREFIX = 'agent-';
export const agentStream = (agentId: string) => `${AGENT_STREAM_PREFIX}${agentId}`;
