import { CustomPattern, findKeywords } from './custom-pattern';
import type { Detection } from './detection';
import { BUILT_IN_DETECTORS, DETECTOR_GROUPS } from './detectors';
import { GUARDRAIL_METHODS, type GuardrailAction, type GuardrailRule, type GuardrailSet } from './rule-set';

/** One rule, ready to run: its detection over a string (built-in results shared across rules through `cache`). */
export interface CompiledGuardrailRule {
  id: string;
  detector: string;
  action: GuardrailAction;
  arguments: boolean;
  results: boolean;
  methods: ReadonlySet<string>;
  server?: string;
  tool?: string;
  exceptValues: ReadonlySet<string>;
  exceptPaths: readonly string[];
  /** A custom regex rule: skipped on strings the set's union of custom patterns does not match. */
  custom: boolean;
  detect(text: string, lowered: () => string, cache: Map<string, Detection[]>): Detection[];
}

export interface CompiledGuardrailSet {
  version: number;
  digest: string;
  oversize: 'block' | 'skip';
  rules: readonly CompiledGuardrailRule[];
  /** One RE2 pass for every custom regex rule at once: a string it does not match needs none of them. */
  customPrefilter?: CustomPattern;
}

/** Compiles a set already validated by parseGuardrailSet; throws if a pattern does not compile here. */
export function compileGuardrailSet(set: GuardrailSet, meta: { version: number; digest: string }): CompiledGuardrailSet {
  const customPrefilter = prefilterOf(set.rules.filter((r) => r.detector === 'regex'));
  return { ...meta, oversize: set.oversize ?? 'block', rules: set.rules.map(compileRule), ...(customPrefilter ? { customPrefilter } : {}) };
}

/** The union of the custom patterns (each in its own group, with its own case flag); none if it does not compile as one. */
function prefilterOf(rules: GuardrailRule[]): CustomPattern | undefined {
  if (rules.length < 2) return undefined;
  const union = rules.map((r) => `(?${r.ignoreCase ? 'i' : ''}:${r.pattern!})`).join('|');
  const compiled = CustomPattern.compile(union, false, union.length);
  return compiled.ok ? compiled.pattern : undefined;
}

function compileRule(rule: GuardrailRule): CompiledGuardrailRule {
  const where = rule.where ?? 'both';
  return {
    id: rule.id,
    detector: rule.detector,
    action: rule.action,
    arguments: where !== 'results',
    results: where !== 'arguments',
    methods: new Set(rule.methods ?? GUARDRAIL_METHODS),
    ...(rule.server !== undefined ? { server: rule.server } : {}),
    ...(rule.tool !== undefined ? { tool: rule.tool } : {}),
    exceptValues: new Set(rule.except?.values ?? []),
    exceptPaths: rule.except?.paths ?? [],
    custom: rule.detector === 'regex',
    detect: detectorOf(rule),
  };
}

function detectorOf(rule: GuardrailRule): CompiledGuardrailRule['detect'] {
  const kind = rule.kind ?? rule.id.replace(/[^a-z0-9_]/g, '_');
  if (rule.detector === 'regex') {
    const compiled = CustomPattern.compile(rule.pattern!, rule.ignoreCase === true);
    if (!compiled.ok) throw new Error(`rule ${rule.id}: ${compiled.message}`);
    const pattern = compiled.pattern;
    return (text) => pattern.find(text, kind);
  }
  if (rule.detector === 'keyword') {
    const keywords = rule.keywords!.map((k) => k.toLowerCase());
    return (text, lowered) => findKeywords(text, lowered(), keywords, kind);
  }
  const ids = DETECTOR_GROUPS[rule.detector] ?? [rule.detector];
  const fns = ids.map((id) => {
    const fn = BUILT_IN_DETECTORS[id];
    if (!fn) throw new Error(`rule ${rule.id}: unknown detector ${id}`);
    return { id, fn };
  });
  const run = (id: string, fn: (text: string) => Detection[], text: string, cache: Map<string, Detection[]>) => {
    let found = cache.get(id);
    if (!found) {
      found = fn(text);
      cache.set(id, found);
    }
    return found;
  };
  if (fns.length === 1) return (text, _lowered, cache) => run(fns[0].id, fns[0].fn, text, cache);
  return (text, _lowered, cache) => fns.flatMap(({ id, fn }) => run(id, fn, text, cache));
}
