import type { DomainEvent } from '../ledger/decider';

/** The agent's key is never recorded: only its SHA-256 and a short hint. */
export type AgentRegistered = DomainEvent<
  'AgentRegistered',
  { agentId: string; orgId: string; name: string; keyHash: string; hint: string; servers: string[] | null }
>;

export type AgentEvent = AgentRegistered;

export const AGENT_STREAM_PREFIX = 'agent-';
export const agentStream = (agentId: string) => `${AGENT_STREAM_PREFIX}${agentId}`;
