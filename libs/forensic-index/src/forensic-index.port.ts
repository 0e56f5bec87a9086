/**
 * The forensic index: one row per governed request (a tool call, or another MCP request relayed
 * to an upstream) with indexed columns, and full text over its decrypted content (arguments and
 * results). It is a projection: every write names the global log position it reached, and a
 * missing index is rebuilt by replay. The embedded adapter is SQLite with FTS5; a ClickHouse
 * adapter can follow behind the same port (and pass the same contract suite).
 */
export const FORENSIC_INDEX = Symbol('FORENSIC_INDEX');

export type IndexedDecision = 'allow' | 'deny' | 'step_up' | 'observe';

export interface IndexedFinding {
  detector: string;
  rule: string;
  action: string;
  kind: string;
  path: string;
  /** arguments (the request's) or result (the upstream's answer). */
  where: 'arguments' | 'result';
}

export interface IndexedReason {
  gate: string;
  code: string;
  decision: string;
}

export interface IndexedCall {
  /** The call id (a tool call's ToolCallDecided id; a relayed request's McpRequestRelayed id). */
  callId: string;
  org: string;
  kind: 'tool_call' | 'mcp_request';
  agentId: string;
  serverId: string | null;
  /** The tool name, or the MCP method of a relayed request. */
  tool: string;
  method: string;
  /** The resource URI, prompt name or completion reference of a relayed request. */
  target: string | null;
  decision: IndexedDecision | null;
  reasons: IndexedReason[];
  rules: string[];
  policyVersion: number | null;
  workflow: string | null;
  aiInvocation: Record<string, string> | null;
  /** When it was decided (RFC 3339, µs). */
  at: string;
  latencyMs: number | null;
  cost: { amount: number; currency: string } | null;
  findings: IndexedFinding[];
  /** ok, error (the upstream answered with isError), failed <reason>, or null while none is recorded. */
  outcome: string | null;
  /** The events of the call: the decision (or the relayed request) and its outcome. */
  events: { decided: string; outcome: string | null };
}

/** An outcome that completes a call indexed before (ToolCallCompleted / ToolCallFailed). */
export interface IndexedOutcome {
  org: string;
  callId: string;
  eventId: string;
  latencyMs: number;
  cost: { amount: number; currency: string } | null;
  findings: IndexedFinding[];
  outcome: string;
}

export type ForensicIndexWrite =
  | { kind: 'call'; call: IndexedCall }
  | { kind: 'outcome'; outcome: IndexedOutcome }
  /** The searchable text of one event's payload (its decrypted content, flagged values left out). */
  | { kind: 'text'; org: string; callId: string; eventId: string; text: string }
  /** Payloads erased by a PayloadsErased event: their text leaves the index, bytes included. */
  | { kind: 'erasure'; org: string; erasureEventId: string; eventIds: string[] };

export interface CallFilter {
  agent?: string;
  server?: string;
  tool?: string;
  decision?: IndexedDecision;
  rule?: string;
  workflow?: string;
  /** Inclusive bounds on the decision time, in µs since the epoch. */
  fromUs?: number;
  toUs?: number;
  minLatencyMs?: number;
  hasFindings?: boolean;
  /** Full text (the adapter's query syntax; SQLite: FTS5). */
  q?: string;
}

export interface CallPageRequest {
  limit: number;
  /** Opaque, from a previous page's nextCursor. */
  cursor?: string;
  /** desc (default): newest first; asc: a timeline. */
  order?: 'desc' | 'asc';
}

export interface CallPage {
  calls: IndexedCall[];
  nextCursor: string | null;
}

export interface ForensicIndex {
  /** Global log position the index has applied (0: empty); replay resumes after it. */
  position(): number;
  /** Applies writes in one transaction and records `position`; each write is idempotent. */
  write(position: number, writes: ForensicIndexWrite[]): void;
  /** Throws ForensicQueryError for a bad cursor or full-text query. */
  search(org: string, filter: CallFilter, page: CallPageRequest): CallPage;
  get(org: string, callId: string): IndexedCall | undefined;
  /** Ids of the events whose payload text matches `q` (at most `max` + 1, so the caller sees an overflow). */
  payloadEventsMatching(org: string, q: string, max: number): string[];
  /** The PayloadsErased event that erased this event's payload, if one did. */
  erasureOf(org: string, eventId: string): string | undefined;
  close(): void;
}
