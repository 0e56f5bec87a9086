import { dimensionsOf, scopeOf } from './call-keys';
import type { CapDimension, LimitSet, RateLimitRule, SpendCapRule, ToolCost } from './limit-set';

export interface CompiledRule<R> {
  rule: R;
  dims: Set<CapDimension>;
  scope: string;
}

/** A limit set ready for the hot path: each rule's dimensions worked out once, costs by tool. */
export interface CompiledLimitSet {
  version: number;
  rates: CompiledRule<RateLimitRule>[];
  caps: CompiledRule<SpendCapRule>[];
  currency?: string;
  costs: ToolCost[];
}

export function compileLimitSet(set: LimitSet, version: number): CompiledLimitSet {
  const compile = <R extends RateLimitRule | SpendCapRule>(rule: R): CompiledRule<R> => {
    const dims = dimensionsOf(rule);
    return { rule, dims, scope: scopeOf(dims) };
  };
  return { version, rates: set.rates.map(compile), caps: set.caps.map(compile), ...(set.currency ? { currency: set.currency } : {}), costs: set.costs };
}

/** Who the call is, as a rule's selectors see it: ids, or the server's slug and the agent's name. */
export interface CallIdentity {
  agentId: string;
  agentName: string;
  serverId: string;
  serverSlug: string;
  tool: string;
  workflow?: string;
}

/** Whether a rule's selectors take in this call. */
export function selects(rule: { agent?: string; server?: string; tool?: string; workflow?: string }, call: CallIdentity): boolean {
  if (rule.agent !== undefined && rule.agent !== call.agentId && rule.agent !== call.agentName) return false;
  if (rule.server !== undefined && rule.server !== call.serverId && rule.server !== call.serverSlug) return false;
  if (rule.tool !== undefined && rule.tool !== call.tool) return false;
  if (rule.workflow !== undefined && rule.workflow !== call.workflow) return false;
  return true;
}

/** The fixed cost of a tool: its own entry, else its server's. */
export function fixedCostOf(set: CompiledLimitSet, call: CallIdentity): number | undefined {
  const onServer = (c: ToolCost) => c.server === call.serverId || c.server === call.serverSlug;
  return (set.costs.find((c) => onServer(c) && c.tool === call.tool) ?? set.costs.find((c) => onServer(c) && c.tool === undefined))?.amount;
}
