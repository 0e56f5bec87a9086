import { CustomPattern } from './custom-pattern';
import { BUILT_IN_DETECTORS, DETECTOR_GROUPS } from './detectors';
import { GUARDRAIL_METHODS, type GuardrailIssue, type GuardrailRule, type GuardrailSet } from './rule-set';

export const MAX_RULES = 500;
const MAX_LIST = 500;
const ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const KIND = /^[a-z0-9][a-z0-9_]{0,39}$/;
const RULE_KEYS = ['id', 'detector', 'pattern', 'ignoreCase', 'keywords', 'kind', 'where', 'methods', 'action', 'server', 'tool', 'except'];

export type ParsedGuardrailSet = { ok: true; set: GuardrailSet } | { ok: false; issues: GuardrailIssue[] };

/** Detector ids a rule may name. */
export function knownDetectors(): string[] {
  return [...Object.keys(BUILT_IN_DETECTORS), ...Object.keys(DETECTOR_GROUPS), 'regex', 'keyword'];
}

/** Shape, unknown keys, unique ids, known detectors, RE2 patterns compiled: every issue with its path. */
export function parseGuardrailSet(input: unknown): ParsedGuardrailSet {
  const issues: GuardrailIssue[] = [];
  const issue = (code: string, path: string, message: string, ruleId?: string) => issues.push({ code, path, message, ...(ruleId ? { ruleId } : {}) });
  if (!isObject(input)) return { ok: false, issues: [{ code: 'GUARDRAILS.INVALID', path: '', message: 'a guardrail set is an object with `rules`' }] };
  for (const key of Object.keys(input)) if (key !== 'rules' && key !== 'oversize') issue('GUARDRAILS.UNKNOWN_KEY', key, `unknown key ${key}`);
  if (input.oversize !== undefined && input.oversize !== 'block' && input.oversize !== 'skip') issue('GUARDRAILS.INVALID', 'oversize', 'oversize is block or skip');
  if (!Array.isArray(input.rules)) {
    issue('GUARDRAILS.INVALID', 'rules', 'rules must be a list');
    return { ok: false, issues };
  }
  if (input.rules.length > MAX_RULES) issue('GUARDRAILS.TOO_MANY_RULES', 'rules', `at most ${MAX_RULES} rules`);
  const seen = new Set<string>();
  const rules: GuardrailRule[] = [];
  input.rules.forEach((raw, index) => {
    const at = `rules[${index}]`;
    if (!isObject(raw)) return issue('GUARDRAILS.INVALID', at, 'a rule is an object');
    const id = typeof raw.id === 'string' && ID.test(raw.id) ? raw.id : undefined;
    if (!id) return issue('GUARDRAILS.INVALID', `${at}.id`, 'id: lower-case letters, digits, . _ - (1 to 64)');
    if (seen.has(id)) issue('GUARDRAILS.DUPLICATE_ID', `${at}.id`, `rule id ${id} is used twice`, id);
    seen.add(id);
    for (const key of Object.keys(raw)) if (!RULE_KEYS.includes(key)) issue('GUARDRAILS.UNKNOWN_KEY', `${at}.${key}`, `unknown key ${key}`, id);
    const detector = raw.detector;
    if (typeof detector !== 'string' || !knownDetectors().includes(detector)) {
      issue('GUARDRAILS.UNKNOWN_DETECTOR', `${at}.detector`, `detector must be one of ${knownDetectors().join(', ')}`, id);
    }
    if (detector === 'regex') {
      if (typeof raw.pattern !== 'string') issue('GUARDRAILS.INVALID', `${at}.pattern`, 'a regex rule needs a pattern', id);
      else {
        const compiled = CustomPattern.compile(raw.pattern, raw.ignoreCase === true);
        if (!compiled.ok) issue('GUARDRAILS.BAD_PATTERN', `${at}.pattern`, compiled.message, id);
      }
    } else if (raw.pattern !== undefined || raw.ignoreCase !== undefined) issue('GUARDRAILS.INVALID', `${at}.pattern`, 'pattern belongs to regex rules', id);
    if (raw.ignoreCase !== undefined && typeof raw.ignoreCase !== 'boolean') issue('GUARDRAILS.INVALID', `${at}.ignoreCase`, 'ignoreCase is true or false', id);
    if (detector === 'keyword') {
      if (!stringList(raw.keywords, 1, 200) || (raw.keywords as string[]).length === 0) issue('GUARDRAILS.INVALID', `${at}.keywords`, 'a keyword rule needs 1 to 500 keywords of 1 to 200 characters', id);
    } else if (raw.keywords !== undefined) issue('GUARDRAILS.INVALID', `${at}.keywords`, 'keywords belong to keyword rules', id);
    if (raw.kind !== undefined && (typeof raw.kind !== 'string' || !KIND.test(raw.kind) || (detector !== 'regex' && detector !== 'keyword'))) {
      issue('GUARDRAILS.INVALID', `${at}.kind`, 'kind (regex and keyword rules): lower-case letters, digits and _', id);
    }
    if (raw.where !== undefined && !['arguments', 'results', 'both'].includes(raw.where as string)) issue('GUARDRAILS.INVALID', `${at}.where`, 'where is arguments, results or both', id);
    if (raw.methods !== undefined && (!stringList(raw.methods, 1, 40) || (raw.methods as string[]).some((m) => !(GUARDRAIL_METHODS as readonly string[]).includes(m)) || (raw.methods as string[]).length === 0)) {
      issue('GUARDRAILS.INVALID', `${at}.methods`, `methods: a non-empty list of ${GUARDRAIL_METHODS.join(', ')}`, id);
    }
    if (!['block', 'redact', 'warn'].includes(raw.action as string)) issue('GUARDRAILS.INVALID', `${at}.action`, 'action is block, redact or warn', id);
    if (raw.server !== undefined && (typeof raw.server !== 'string' || raw.server.length === 0 || raw.server.length > 128)) issue('GUARDRAILS.INVALID', `${at}.server`, 'server: an id or slug', id);
    if (raw.tool !== undefined && (typeof raw.tool !== 'string' || raw.tool.length === 0 || raw.tool.length > 256)) issue('GUARDRAILS.INVALID', `${at}.tool`, 'tool: a tool name', id);
    if (raw.tool !== undefined && raw.server === undefined) issue('GUARDRAILS.INVALID', `${at}.tool`, 'a tool-scoped rule names its server too', id);
    if (raw.except !== undefined) {
      if (!isObject(raw.except) || Object.keys(raw.except).some((k) => k !== 'values' && k !== 'paths')) issue('GUARDRAILS.INVALID', `${at}.except`, 'except has values and/or paths', id);
      else {
        if (raw.except.values !== undefined && !stringList(raw.except.values, 1, 4096)) issue('GUARDRAILS.INVALID', `${at}.except.values`, 'except.values: a list of strings', id);
        if (raw.except.paths !== undefined && (!stringList(raw.except.paths, 1, 1024) || (raw.except.paths as string[]).some((p) => !p.startsWith('$')))) {
          issue('GUARDRAILS.INVALID', `${at}.except.paths`, 'except.paths: JSON paths starting with $ ($.arguments.to, $.content[0].text)', id);
        }
      }
    }
    rules.push(raw as unknown as GuardrailRule);
  });
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, set: { rules, ...(input.oversize !== undefined ? { oversize: input.oversize as 'block' | 'skip' } : {}) } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringList(value: unknown, min: number, max: number): boolean {
  return Array.isArray(value) && value.length <= MAX_LIST && value.every((v) => typeof v === 'string' && v.length >= min && v.length <= max);
}
