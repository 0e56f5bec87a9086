import { compileCondition, DEFAULT_COST_LIMIT, type CompiledCondition } from './cel-condition';
import type { PolicyIssue } from './policy-issues';
import { POLICY_RISK_CLASSES, type GovernedMethod, type PolicyDecision, type PolicyRule, type PolicySet, type RiskClass } from './policy-set';

export interface CompiledRule {
  readonly rule: PolicyRule;
  readonly methods: readonly GovernedMethod[];
  readonly condition?: CompiledCondition;
}

export interface CompiledDefault {
  readonly riskClass: RiskClass;
  readonly decision: PolicyDecision;
  readonly otherwise: PolicyDecision;
  readonly condition?: CompiledCondition;
}

/** A policy set ready for the hot path: every condition compiled once, for this version only. */
export interface CompiledPolicySet {
  readonly version: number;
  readonly digest: string;
  readonly set: PolicySet;
  readonly defaults: Readonly<Record<RiskClass, CompiledDefault>>;
  /** Rules per method, in the set's order. */
  readonly rulesByMethod: ReadonlyMap<string, readonly CompiledRule[]>;
  /** Some condition reads the call's arguments (replay then needs the recorded payloads). */
  readonly readsArguments: boolean;
}

export type CompiledPolicySetResult = { ok: true; compiled: CompiledPolicySet } | { ok: false; issues: PolicyIssue[] };

export function compilePolicySet(set: PolicySet, meta: { version: number; digest: string }, costLimit = DEFAULT_COST_LIMIT): CompiledPolicySetResult {
  const issues: PolicyIssue[] = [];
  let readsArguments = false;
  const compile = (source: string | undefined, path: string, ruleId?: string): CompiledCondition | undefined => {
    if (source === undefined) return undefined;
    const result = compileCondition(source, costLimit);
    if (!result.ok) {
      issues.push({ code: result.error.code, path, message: result.error.message, ...(ruleId ? { ruleId } : {}), ...(result.error.position ? { position: result.error.position } : {}) });
      return undefined;
    }
    readsArguments ||= result.condition.readsArguments;
    return result.condition;
  };

  const defaults = {} as Record<RiskClass, CompiledDefault>;
  for (const riskClass of POLICY_RISK_CLASSES) {
    const d = set.defaults[riskClass];
    defaults[riskClass] = { riskClass, decision: d.decision, otherwise: d.otherwise ?? 'deny', condition: compile(d.when, `defaults.${riskClass}.when`) };
  }
  const rulesByMethod = new Map<string, CompiledRule[]>();
  set.rules.forEach((rule, index) => {
    const methods = rule.methods ?? ['tools/call'];
    const compiled: CompiledRule = { rule, methods, condition: compile(rule.when, `rules[${index}].when`, rule.id) };
    for (const method of methods) rulesByMethod.set(method, [...(rulesByMethod.get(method) ?? []), compiled]);
  });
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, compiled: { version: meta.version, digest: meta.digest, set, defaults, rulesByMethod, readsArguments } };
}
