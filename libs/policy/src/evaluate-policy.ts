import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { Bindings, CompiledCondition } from './cel-condition';
import type { CompiledPolicySet, CompiledRule } from './compile-policy-set';
import { moreRestrictive, type PolicyDecision, type RiskClass } from './policy-set';

/** What the policy sees of one MCP request. */
export interface PolicyFacts {
  method: string;
  /** The tool's class; a resource read, a prompt or a completion is `read`. null: unclassified (treated as destructive). */
  riskClass: RiskClass | null;
  server: { id: string; slug: string } | null;
  tool?: { name: string; arguments: Record<string, unknown> };
  resource?: { uri: string };
  prompt?: { name: string };
  agent: { id: string; name: string; labels: Record<string, string> };
  /** Claims of the capability token the agent presented; absent = none. */
  jwt?: Record<string, unknown>;
  /** The agent's trust score; absent = unknown (a condition that reads it then fails closed). */
  trust?: number;
  /** Why `trust` is absent: unknown (no score) or stale (too old, or its projection stopped). Default unknown. */
  trustProblem?: 'POLICY.TRUST_UNKNOWN' | 'POLICY.TRUST_STALE';
  /** Client-asserted workflow context from `_meta`. */
  workflow?: Record<string, unknown>;
  time: Date;
}

/** How one rule (or the class default, id `default.<class>`) took part in the decision. */
export interface PolicyMatch {
  rule: string;
  decision: PolicyDecision;
  /** POLICY.RULE_MATCHED, POLICY.CLASS_DEFAULT, POLICY.EVAL_ERROR, POLICY.TRUST_UNKNOWN, POLICY.TRUST_STALE. */
  code: string;
  /** For an evaluation error: what went wrong (CEL's words; never argument values). */
  error?: string;
}

export interface PolicyOutcome {
  decision: PolicyDecision;
  /** The code of the entry that decided. */
  code: string;
  detail: string;
  matches: PolicyMatch[];
  version: number;
}

export const defaultRuleId = (riskClass: RiskClass) => `default.${riskClass}`;

/**
 * Rules in scope of the request whose condition holds override the class default; among them
 * the most restrictive wins. A condition that errs, or reads an unknown trust score, makes its
 * rule match with `deny` (fail closed), recorded with the reason. No rule matching: the class default.
 */
export function evaluatePolicy(compiled: CompiledPolicySet, facts: PolicyFacts): PolicyOutcome {
  let bindings: Bindings | undefined;
  const bind = () => (bindings ??= bindingsOf(facts));
  const matches: PolicyMatch[] = [];
  for (const candidate of compiled.rulesByMethod.get(facts.method) ?? []) {
    if (!inScope(candidate, facts)) continue;
    const match = test(candidate.condition, facts, bind, candidate.rule.id, candidate.rule.decision, 'POLICY.RULE_MATCHED');
    if (match) matches.push(match);
  }
  if (matches.length === 0) {
    const riskClass = facts.riskClass ?? 'destructive';
    const d = compiled.defaults[riskClass];
    const match = test(d.condition, facts, bind, defaultRuleId(riskClass), d.decision, 'POLICY.CLASS_DEFAULT') ?? {
      rule: defaultRuleId(riskClass),
      decision: d.otherwise,
      code: 'POLICY.CLASS_DEFAULT',
    };
    matches.push(match);
  }
  let winner = matches[0];
  for (const m of matches) if (moreRestrictive(winner.decision, m.decision) !== winner.decision) winner = m;
  return { decision: winner.decision, code: winner.code, detail: detailOf(winner), matches, version: compiled.version };
}

function test(
  condition: CompiledCondition | undefined,
  facts: PolicyFacts,
  bind: () => Bindings,
  rule: string,
  decision: PolicyDecision,
  code: string,
): PolicyMatch | undefined {
  if (!condition) return { rule, decision, code };
  if (condition.readsTrust && facts.trust === undefined) return { rule, decision: 'deny', code: facts.trustProblem ?? 'POLICY.TRUST_UNKNOWN' };
  const result = condition.evaluate(bind());
  if (!result.ok) return { rule, decision: 'deny', code: 'POLICY.EVAL_ERROR', error: result.error };
  return result.value ? { rule, decision, code } : undefined;
}

function inScope({ rule }: CompiledRule, facts: PolicyFacts): boolean {
  if (rule.server !== undefined && rule.server !== facts.server?.id && rule.server !== facts.server?.slug) return false;
  if (rule.tool !== undefined && rule.tool !== facts.tool?.name) return false;
  if (rule.agent !== undefined && rule.agent !== facts.agent.id && rule.agent !== facts.agent.name) return false;
  if (rule.labels) {
    for (const [key, value] of Object.entries(rule.labels)) if (facts.agent.labels[key] !== value) return false;
  }
  return true;
}

function bindingsOf(facts: PolicyFacts): Bindings {
  const mcp: Record<string, unknown> = { method: facts.method };
  if (facts.server) mcp.server = facts.server;
  if (facts.tool) mcp.tool = facts.tool;
  if (facts.resource) mcp.resource = facts.resource;
  if (facts.prompt) mcp.prompt = facts.prompt;
  return {
    mcp,
    request: { time: timestampFromDate(facts.time) },
    jwt: facts.jwt ?? {},
    agent: facts.agent,
    trust: facts.trust ?? 0,
    workflow: facts.workflow ?? {},
  } as Bindings;
}

function detailOf(match: PolicyMatch): string {
  switch (match.code) {
    case 'POLICY.EVAL_ERROR':
      return `policy rule ${match.rule} could not be evaluated, so it denies: ${match.error ?? 'error'}`;
    case 'POLICY.TRUST_UNKNOWN':
      return `policy rule ${match.rule} needs the agent's trust score, which is unknown, so it denies`;
    case 'POLICY.TRUST_STALE':
      return `policy rule ${match.rule} needs the agent's trust score, which is stale, so it denies`;
    default:
      return `policy ${match.rule}: ${match.decision}`;
  }
}
