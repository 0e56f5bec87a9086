/**
 * The policy set of one organisation (DESIGN.md §5): a default decision per risk class, and
 * rules scoped to a server, a tool, an agent or an agent label that override the default for the
 * calls they match. Conditions are CEL expressions. Pure data: JSON in, JSON in the ledger.
 */
export type PolicyDecision = 'allow' | 'observe' | 'step_up' | 'deny';
export const POLICY_DECISIONS: readonly PolicyDecision[] = ['allow', 'observe', 'step_up', 'deny'];
const RANK: Record<PolicyDecision, number> = { allow: 0, observe: 1, step_up: 2, deny: 3 };

export type RiskClass = 'read' | 'write' | 'destructive';
export const POLICY_RISK_CLASSES: readonly RiskClass[] = ['read', 'write', 'destructive'];

/** The MCP methods a rule may be scoped to; a rule without `methods` governs tool calls only. */
export const GOVERNED_METHODS = ['tools/call', 'resources/read', 'prompts/get', 'completion/complete', 'resources/subscribe', 'resources/unsubscribe', 'logging/setLevel'] as const;
export type GovernedMethod = (typeof GOVERNED_METHODS)[number];

/** A class default: a decision, or a decision when a condition holds and `otherwise` when not. */
export interface ClassDefault {
  decision: PolicyDecision;
  when?: string;
  /** The decision when `when` is false; default deny. */
  otherwise?: PolicyDecision;
}

export interface PolicyRule {
  id: string;
  description?: string;
  /** A server's slug or id. */
  server?: string;
  /** The upstream's tool name. */
  tool?: string;
  /** An agent's id or name. */
  agent?: string;
  /** Every label named must have this value on the agent. */
  labels?: Record<string, string>;
  /** Default: ['tools/call']. */
  methods?: GovernedMethod[];
  /** A CEL condition; absent = always. */
  when?: string;
  decision: PolicyDecision;
}

export interface PolicySet {
  defaults: Record<RiskClass, ClassDefault>;
  rules: PolicyRule[];
}

export function moreRestrictive(a: PolicyDecision, b: PolicyDecision): PolicyDecision {
  return RANK[b] > RANK[a] ? b : a;
}
