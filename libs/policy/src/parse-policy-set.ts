import type { PolicyIssue } from './policy-issues';
import {
  GOVERNED_METHODS,
  POLICY_DECISIONS,
  POLICY_RISK_CLASSES,
  type ClassDefault,
  type GovernedMethod,
  type PolicyDecision,
  type PolicyRule,
  type PolicySet,
  type RiskClass,
} from './policy-set';

export const MAX_RULES = 1000;
export const MAX_EXPRESSION_LENGTH = 2048;
const RULE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const TOP_KEYS = ['defaults', 'rules'];
const DEFAULT_KEYS = ['decision', 'when', 'otherwise'];
const RULE_KEYS = ['id', 'description', 'server', 'tool', 'agent', 'labels', 'methods', 'when', 'decision'];

export type ParsedPolicySet = { ok: true; set: PolicySet } | { ok: false; issues: PolicyIssue[] };

/**
 * Checks the shape of a policy set as read from JSON or YAML: every key known, every value of
 * its type, every class default given, rule ids unique. CEL is compiled separately.
 */
export function parsePolicySet(input: unknown): ParsedPolicySet {
  const issues: PolicyIssue[] = [];
  const issue: Report = Object.assign(
    (path: string, code: string, message: string, ruleId?: string) => {
      issues.push({ code, path, message, ...(ruleId ? { ruleId } : {}) });
    },
    { count: () => issues.length },
  );

  if (!isPlainObject(input)) return { ok: false, issues: [{ code: 'POLICY.INVALID_SHAPE', path: '', message: 'a policy set is an object with defaults and rules' }] };
  unknownKeys(input, TOP_KEYS, '', issue);

  const defaults = {} as Record<RiskClass, ClassDefault>;
  if (!isPlainObject(input.defaults)) {
    issue('defaults', 'POLICY.INVALID_SHAPE', `defaults must be an object naming a decision for each class (${POLICY_RISK_CLASSES.join(', ')})`);
  } else {
    unknownKeys(input.defaults, POLICY_RISK_CLASSES, 'defaults', issue);
    for (const riskClass of POLICY_RISK_CLASSES) {
      const parsed = parseDefault(input.defaults[riskClass], `defaults.${riskClass}`, issue);
      if (parsed) defaults[riskClass] = parsed;
    }
  }

  const rules: PolicyRule[] = [];
  const rawRules = input.rules ?? [];
  if (!Array.isArray(rawRules)) {
    issue('rules', 'POLICY.INVALID_SHAPE', 'rules must be a list');
  } else if (rawRules.length > MAX_RULES) {
    issue('rules', 'POLICY.TOO_MANY_RULES', `at most ${MAX_RULES} rules`);
  } else {
    const seen = new Set<string>();
    rawRules.forEach((raw, index) => {
      const rule = parseRule(raw, `rules[${index}]`, issue);
      if (!rule) return;
      if (seen.has(rule.id)) issue(`rules[${index}].id`, 'POLICY.DUPLICATE_RULE_ID', `rule id ${rule.id} is used twice`, rule.id);
      seen.add(rule.id);
      rules.push(rule);
    });
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, set: { defaults, rules } };
}

interface Report {
  (path: string, code: string, message: string, ruleId?: string): void;
  count(): number;
}

function parseDefault(raw: unknown, path: string, issue: Report): ClassDefault | undefined {
  if (raw === undefined) {
    issue(path, 'POLICY.MISSING_DEFAULT', `${path} is required: every class needs a default decision`);
    return undefined;
  }
  if (typeof raw === 'string') return decisionOf(raw, path, issue) ? { decision: raw as PolicyDecision } : undefined;
  if (!isPlainObject(raw)) {
    issue(path, 'POLICY.INVALID_SHAPE', `${path} must be a decision or { decision, when, otherwise }`);
    return undefined;
  }
  unknownKeys(raw, DEFAULT_KEYS, path, issue);
  const decision = decisionOf(raw.decision, `${path}.decision`, issue);
  const when = expressionOf(raw.when, `${path}.when`, issue);
  const otherwise = raw.otherwise === undefined ? undefined : decisionOf(raw.otherwise, `${path}.otherwise`, issue);
  if (!decision || when === null || otherwise === null) return undefined;
  return { decision, ...(when !== undefined ? { when } : {}), ...(otherwise ? { otherwise } : {}) };
}

function parseRule(raw: unknown, path: string, issue: Report): PolicyRule | undefined {
  if (!isPlainObject(raw)) {
    issue(path, 'POLICY.INVALID_SHAPE', `${path} must be an object with an id and a decision`);
    return undefined;
  }
  const id = typeof raw.id === 'string' && RULE_ID.test(raw.id) ? raw.id : undefined;
  if (!id) issue(`${path}.id`, 'POLICY.INVALID_RULE_ID', 'a rule id is 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');
  const before = issue.count();
  unknownKeys(raw, RULE_KEYS, path, issue, id);
  const decision = decisionOf(raw.decision, `${path}.decision`, issue, id);
  const text = (key: string, max: number) => {
    const value = raw[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.length === 0 || value.length > max) {
      issue(`${path}.${key}`, 'POLICY.INVALID_SHAPE', `${key} must be a non-empty string of at most ${max} characters`, id);
      return undefined;
    }
    return value;
  };
  const description = text('description', 500);
  const server = text('server', 256);
  const tool = text('tool', 256);
  const agent = text('agent', 256);
  const when = expressionOf(raw.when, `${path}.when`, issue, id);
  const labels = labelsOf(raw.labels, `${path}.labels`, issue, id);
  const methods = methodsOf(raw.methods, `${path}.methods`, issue, id);
  if (!id || !decision || when === null || issue.count() > before) return undefined;
  return {
    id,
    ...(description ? { description } : {}),
    ...(server ? { server } : {}),
    ...(tool ? { tool } : {}),
    ...(agent ? { agent } : {}),
    ...(labels ? { labels } : {}),
    ...(methods ? { methods } : {}),
    ...(when !== undefined ? { when } : {}),
    decision,
  };
}

function decisionOf(raw: unknown, path: string, issue: Report, ruleId?: string): PolicyDecision | undefined {
  if (typeof raw === 'string' && (POLICY_DECISIONS as string[]).includes(raw)) return raw as PolicyDecision;
  issue(path, 'POLICY.INVALID_DECISION', `decision must be one of ${POLICY_DECISIONS.join(', ')}`, ruleId);
  return undefined;
}

/** undefined: absent; null: present and invalid (reported). */
function expressionOf(raw: unknown, path: string, issue: Report, ruleId?: string): string | undefined | null {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || raw.trim().length === 0 || raw.length > MAX_EXPRESSION_LENGTH) {
    issue(path, 'POLICY.INVALID_SHAPE', `when must be a CEL expression of at most ${MAX_EXPRESSION_LENGTH} characters`, ruleId);
    return null;
  }
  return raw;
}

function labelsOf(raw: unknown, path: string, issue: Report, ruleId?: string): Record<string, string> | undefined {
  if (raw === undefined) return undefined;
  if (!isPlainObject(raw) || Object.keys(raw).length === 0 || Object.values(raw).some((v) => typeof v !== 'string')) {
    issue(path, 'POLICY.INVALID_SHAPE', 'labels must map label names to string values', ruleId);
    return undefined;
  }
  return { ...(raw as Record<string, string>) };
}

function methodsOf(raw: unknown, path: string, issue: Report, ruleId?: string): GovernedMethod[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw) || raw.length === 0 || raw.some((m) => !(GOVERNED_METHODS as readonly unknown[]).includes(m))) {
    issue(path, 'POLICY.INVALID_SHAPE', `methods must list some of ${GOVERNED_METHODS.join(', ')}`, ruleId);
    return undefined;
  }
  return [...new Set(raw as GovernedMethod[])];
}

function unknownKeys(object: Record<string, unknown>, known: readonly string[], path: string, issue: Report, ruleId?: string): void {
  for (const key of Object.keys(object)) {
    if (!known.includes(key)) issue(path ? `${path}.${key}` : key, 'POLICY.UNKNOWN_KEY', `unknown key "${key}" (known: ${known.join(', ')})`, ruleId);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
