import type { Agent } from '../../agents/agents.read-model';
import type { CapabilityScope } from '../../identity/tokens/capability-scope';
import type { RegisteredServer, RegisteredTool } from '../../registry/servers.read-model';

/** Decisions in order of restriction: the most restrictive verdict of all gates wins. */
export type Decision = 'allow' | 'observe' | 'step_up' | 'deny';
const RANK: Record<Decision, number> = { allow: 0, observe: 1, step_up: 2, deny: 3 };

export interface GateVerdict {
  decision: Decision;
  gate: string;
  /** Stable reason code, e.g. GATE.TOOL_IN_REVIEW; `GATE.OK` for a passing gate. */
  code: string;
  detail?: string;
  /** Ids of the policy rules that took part (matched, or failed closed), each with its own decision and code. */
  matches?: Array<{ rule: string; decision: Decision; code: string }>;
  /** The policy version the verdict was reached under. */
  policyVersion?: number;
  /** A limit hit's figures (limit type, scope, count, reset time…), for the agent's error and the record. */
  limit?: Record<string, unknown>;
  /** The spend gate's estimate of the call's cost, recorded as ToolCallDecided.data.costEstimate. */
  costEstimate?: CallCost;
  /** The agent's trust score the verdict was reached with (when one was known). */
  trust?: number;
  /** What a content gate found (detector, rule, action, JSON path): never the matched value. */
  findings?: ContentFinding[];
}

/** One content finding as recorded; the recorder adds the digest of the payload it was found in. */
export interface ContentFinding {
  detector: string;
  rule: string;
  action: string;
  kind: string;
  path: string;
  /** Digest of the event's payload (envelope.payload.digest) the finding was found in. */
  payloadDigest?: string;
}

/** A cost in one currency: amount in the currency's unit (e.g. 0.02 USD). */
export interface CallCost {
  amount: number;
  currency: string;
}

/** An actual cost and where it came from: the upstream's report, or the tool's fixed cost. */
export type RecordedCost = CallCost & { source: 'reported' | 'fixed' };

/** What every gate sees about one call. Gates are pure functions of it: no I/O on the hot path. */
export interface CallContext {
  agent: Agent;
  /** The tool name as the agent sent it (prefixed on the aggregated endpoint). */
  requestedName: string;
  server?: RegisteredServer;
  tool?: RegisteredTool;
  /** The upstream's tool name, once resolved. */
  toolName?: string;
  /** The MCP method: `tools/call`, or a relayed method that passes the gate (`resources/read`, …). */
  method: string;
  /** The tool call's arguments (tools/call). */
  arguments?: Record<string, unknown>;
  /** A resources/read request's URI; a prompts/get request's prompt name. */
  resourceUri?: string;
  promptName?: string;
  /** The request's `_meta` as the agent sent it (client-asserted). */
  meta?: Record<string, unknown>;
  /** The client-asserted workflow / task id (SEP-2817 aiInvocation in `_meta`): groups and attributes, never authorises. */
  workflow?: string;
  /** The call's id, known before the gates run (the limit gates reserve under it). */
  callId?: string;
  /** When the request arrived. */
  at: Date;
  /** Present when the agent presented a capability token instead of its key: what it allows. */
  token?: CapabilityScope;
}

/**
 * A gate evaluates one aspect of a call. Later capabilities (policy, trust, limits, guardrails)
 * add gates; none of them short-circuits the others, so every reason is recorded.
 */
export interface Gate {
  readonly name: string;
  /** The methods it judges; default tools/call only. */
  readonly methods?: readonly string[];
  evaluate(context: CallContext): GateVerdict;
  /**
   * Called once the combined decision is known: `recorded` is false when the decision could not
   * be made durable. A gate that reserved something for the call in evaluate() keeps it for a
   * recorded allow / observe and releases it otherwise. Synchronous, like evaluate().
   */
  settle?(context: CallContext, decision: Decision, recorded: boolean): void;
  /** The call's actual cost from the upstream's result (the spend gate), recorded on ToolCallCompleted. */
  costOf?(context: CallContext, result: Record<string, unknown>): RecordedCost | undefined;
}

export function gateApplies(gate: Gate, method: string): boolean {
  return (gate.methods ?? ['tools/call']).includes(method);
}

export function combine(verdicts: GateVerdict[]): { decision: Decision; reasons: GateVerdict[] } {
  let decision: Decision = 'allow';
  for (const v of verdicts) if (RANK[v.decision] > RANK[decision]) decision = v.decision;
  return { decision, reasons: verdicts };
}

export function firstRestrictive(verdicts: GateVerdict[], decision: Decision): GateVerdict | undefined {
  return verdicts.find((v) => v.decision === decision);
}
