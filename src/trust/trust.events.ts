import type { DomainEvent } from '../ledger/decider';

/** An admin's judgement of an agent (0–100): the base its trust score starts from until the next one. */
export type AgentTrustAttested = DomainEvent<'AgentTrustAttested', { agentId: string; score: number; reason: string }>;
export type TrustEvent = AgentTrustAttested;

/** Attestations live on the agent's own trust stream, not on its lifecycle stream (whose revision is the agent's If-Match). */
export const TRUST_STREAM_PREFIX = 'trust-';
export const trustStream = (agentId: string) => `${TRUST_STREAM_PREFIX}${agentId}`;
