import type { AiInvocation } from '../ai-invocation';
import type { CallCost, ContentFinding, Decision, GateVerdict, RecordedCost } from './gate';

/** One gate's verdict as recorded; `matches` names the policy rules behind it, `limit` a limit hit's figures. */
export type RecordedReason = Pick<GateVerdict, 'gate' | 'code' | 'decision'> & Pick<GateVerdict, 'matches' | 'limit'>;

/** Tool calls of an organisation go to the node's own stream: one writer, chain head in memory. */
export const callsStream = (org: string, nodeId: string) => `calls-${org}-${nodeId}`;
export const PLATFORM_ORG = 'platform';

/** Appended durably BEFORE anything reaches the upstream. payload = the call's arguments. */
export interface ToolCallDecidedData {
  callId: string;
  agentId: string;
  serverId: string | null;
  tool: string;
  decision: Decision;
  reasons: RecordedReason[];
  /** Every policy rule id that took part in the decision (matched, or failed closed). */
  rules?: string[];
  /** The policy version in force, when a policy set decided. */
  policyVersion?: number;
  protocolVersion: string;
  endpoint: string;
  requestId: string;
  /** The capability token the call came with (its jti), when it came with one instead of the agent key. */
  tokenJti?: string;
  /** The spend gate's estimate of the call's cost (when the organisation's limit set has a cost model). */
  costEstimate?: CallCost;
  /** The client-asserted workflow / task id and invocation context (SEP-2817 `io.modelcontextprotocol/aiInvocation`). */
  workflow?: string;
  aiInvocation?: AiInvocation;
  /** The approval this call consumed: a step_up decision released by an approver (decision allow, the step-up reasons kept). */
  approvalId?: string;
  /** The agent's trust score the policy read, when a rule read it. */
  trust?: number;
  /** Content guardrail findings in the arguments (payloadDigest: this event's payload). */
  findings?: ContentFinding[];
  /** Set when a guardrail rewrote the arguments before they were forwarded (the payload keeps what the agent sent). */
  argumentsRedacted?: boolean;
}

/** payload = the result as the upstream returned it. */
export interface ToolCallCompletedData {
  callId: string;
  latencyMs: number;
  upstreamMs: number;
  isError: boolean;
  /** The call's actual cost: what the upstream reported (`_meta["io.warden/cost"]`) or the tool's fixed cost. */
  cost?: RecordedCost;
  /** Content guardrail findings in the result (payloadDigest: this event's payload, the result as the upstream returned it). */
  findings?: ContentFinding[];
  /** What the agent was given instead of the upstream's result: `redacted` (a rewritten result) or `withheld` (an error). */
  resultFiltered?: 'redacted' | 'withheld';
  /** The filter's reason code when it withheld or flagged the result. */
  filterCode?: string;
}

export interface ToolCallFailedData {
  callId: string;
  reason: string;
  /** Warden's own words on the failure when the reason alone is too coarse ("invalid Unicode in result"); never upstream content. */
  detail?: string;
  latencyMs: number;
  upstreamMs: number;
}

/**
 * A request other than a tool call relayed to an upstream (a resource read, a prompt, a
 * completion), recorded behind its answer. payload = the upstream's result.
 */
export interface McpRequestRelayedData {
  agentId: string;
  serverId: string;
  method: string;
  /** The resource URI, prompt name or completion reference the request names. */
  target: string | null;
  /** 'ok', or the machine-readable reason it failed (or was refused by the gate). */
  outcome: string;
  /** The gate's decision, its reasons and the policy rules behind it (when a gate judged the method). */
  decision?: Decision;
  reasons?: RecordedReason[];
  rules?: string[];
  policyVersion?: number;
  /** Content guardrail findings in the upstream's result (payloadDigest: this event's payload). */
  findings?: ContentFinding[];
  /** Content guardrail findings in a prompt's arguments (not in the payload, which is the result). */
  argumentFindings?: ContentFinding[];
  resultFiltered?: 'redacted' | 'withheld';
  latencyMs: number;
  protocolVersion: string;
  endpoint: string;
  requestId: string;
}

/**
 * A request an upstream made of the calling agent (sampling, elicitation, roots) while serving
 * one of its requests, relayed to the agent. payload = { request params, the agent's answer }.
 */
export interface ServerRequestRelayedData {
  agentId: string;
  serverId: string | null;
  method: string;
  /** 'ok', or 'error <code>' as the agent (or warden, on timeout) answered. */
  outcome: string;
  latencyMs: number;
  endpoint: string;
  /** The id of the agent's request during which the upstream asked. */
  requestId: string;
}

/**
 * The log messages (`notifications/message`) an upstream sent about one request of the agent and
 * warden relayed to it, recorded once behind the request's answer. payload = the messages' params.
 */
export interface UpstreamLogRelayedData {
  agentId: string;
  serverId: string;
  /** The agent's request they were about (tools/call, resources/read, …) and the id it had. */
  method: string;
  requestId: string;
  endpoint: string;
  count: number;
  /** The levels among them, least severe first. */
  levels: string[];
}

/** A request refused before it became a call: bad key, unknown or forbidden endpoint, malformed body. */
export interface RequestRejectedData {
  reason: string;
  path: string;
  method: string | null;
  agentId: string | null;
  /** A keyed digest of the presented key, with warden's kind prefix if it has warden's format (KeyHints): never characters of the secret. */
  keyHint: string | null;
  /** Where in the body the bad input is (e.g. `params.arguments.note`), never its content. */
  field?: string;
  /** The remote address, for an unauthenticated request (bounded per source and reason: RequestsRejected). */
  source?: string;
}

/**
 * Unauthenticated rejections of one source and reason in one window beyond those recorded one by
 * one (RequestRejected): only counted, so that a flood cannot grow the ledger without bound.
 */
export interface RequestsRejectedData {
  source: string;
  reason: string;
  count: number;
  /** First and last counted rejection (RFC 3339). */
  from: string;
  to: string;
}
