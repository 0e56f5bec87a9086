import type { CompiledGuardrailRule, CompiledGuardrailSet } from './compile-guardrails';
import type { Detection } from './detection';
import { childPath, pathCovers } from './json-path';
import { redactSpans } from './redact';
import type { GuardrailAction } from './rule-set';

export const MAX_DEPTH = 64;
export const MAX_FINDINGS = 100;

/** What a finding records: never the matched value. */
export interface GuardrailFinding {
  detector: string;
  rule: string;
  action: GuardrailAction;
  kind: string;
  /** JSON path of the string it was found in: `$.arguments.note`, `$.content[0].text`. */
  path: string;
}

export interface ScanTarget {
  method: string;
  /** arguments: the request's arguments (every string leaf); results: the upstream's answer (its content, not its structure). */
  where: 'arguments' | 'results';
  serverId?: string;
  serverSlug?: string;
  tool?: string;
}

export interface ScanLimits {
  maxBytes: number;
}

export interface ScanOutcome {
  findings: GuardrailFinding[];
  /** Findings beyond MAX_FINDINGS, counted only. */
  findingsOmitted: number;
  /** The first blocking rule, if any. */
  blockedBy?: string;
  /** The content with every `redact` match replaced (the same object when nothing was redacted). */
  content: unknown;
  redacted: boolean;
  /** Set when the content exceeded the bounds: what the set's `oversize` decided. */
  oversize?: { decision: 'block' | 'skip'; reason: 'bytes' | 'depth'; bytes: number };
  /** Rules that applied to this target. */
  rulesApplied: number;
}

/** Keys of an MCP result that are its structure, not its content: never scanned, never rewritten. */
const STRUCTURAL_KEYS = new Set(['type', 'mimeType', 'uri', 'blob', '_meta', 'annotations', 'role', 'isError', 'nextCursor']);

class TooDeep extends Error {}

/**
 * Walks the content structurally (nested arguments; MCP content arrays: text, embedded
 * resources, structuredContent), bounded in bytes and depth, and applies every rule in scope.
 * Pure: the input is never mutated; a redacted copy is returned.
 */
export function scanContent(set: CompiledGuardrailSet, target: ScanTarget, content: unknown, root: string, limits: ScanLimits): ScanOutcome {
  const rules = set.rules.filter((r) => applies(r, target));
  const base: ScanOutcome = { findings: [], findingsOmitted: 0, content, redacted: false, rulesApplied: rules.length };
  if (rules.length === 0 || content === undefined) return base;
  const bytes = Buffer.byteLength(JSON.stringify(content) ?? '', 'utf8');
  if (bytes > limits.maxBytes) return { ...base, oversize: { decision: set.oversize, reason: 'bytes', bytes } };

  const seen = new Set<string>();
  const outcome = base;
  const record = (finding: GuardrailFinding) => {
    const key = `${finding.rule}\u0000${finding.path}\u0000${finding.kind}`;
    if (seen.has(key)) return;
    seen.add(key);
    if (outcome.findings.length < MAX_FINDINGS) outcome.findings.push(finding);
    else outcome.findingsOmitted += 1;
    if (finding.action === 'block' && outcome.blockedBy === undefined) outcome.blockedBy = finding.rule;
  };

  /** Every detection of the rules in scope in one string, exceptions applied. */
  const detectIn = (text: string, path: string): Array<{ rule: CompiledGuardrailRule; detection: Detection }> => {
    const cache = new Map<string, Detection[]>();
    let lowered: string | undefined;
    const lower = () => (lowered ??= text.toLowerCase());
    let customMayMatch: boolean | undefined;
    const hits: Array<{ rule: CompiledGuardrailRule; detection: Detection }> = [];
    for (const rule of rules) {
      if (rule.exceptPaths.some((p) => pathCovers(p, path))) continue;
      if (rule.custom && set.customPrefilter && !(customMayMatch ??= set.customPrefilter.test(text))) continue;
      for (const detection of rule.detect(text, lower, cache)) {
        if (rule.exceptValues.size > 0 && rule.exceptValues.has(text.slice(detection.start, detection.end))) continue;
        hits.push({ rule, detection });
      }
    }
    return hits;
  };
  const found = (rule: CompiledGuardrailRule, kind: string, path: string) => record({ detector: rule.detector, rule: rule.id, action: rule.action, kind, path });

  const scanString = (text: string, path: string, exceptionPath: string): string => {
    const hits = detectIn(text, exceptionPath);
    for (const { rule, detection } of hits) found(rule, detection.kind, path);
    return redactSpans(
      text,
      hits.filter((h) => h.rule.action === 'redact').map((h) => h.detection),
    );
  };

  /**
   * A key is content too: it is scanned, and a key that matches is never written into a path
   * (paths are recorded in the clear): its segment reads `[REDACTED:<kind>]`, and a `redact` rule renames it so.
   */
  const keyOf = (key: string, path: string, exceptionPath: string): { segment: string; renamed: boolean } => {
    const hits = detectIn(key, exceptionPath);
    if (hits.length === 0) return { segment: key, renamed: false };
    const masked = `[REDACTED:${hits[0].detection.kind}]`;
    for (const { rule, detection } of hits) found(rule, detection.kind, childPath(path, masked));
    return { segment: masked, renamed: hits.some((h) => h.rule.action === 'redact') };
  };

  const walk = (value: unknown, path: string, exceptionPath: string, depth: number, inResult: boolean): unknown => {
    if (depth > MAX_DEPTH) throw new TooDeep();
    if (typeof value === 'string') return scanString(value, path, exceptionPath);
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      value.forEach((item, index) => {
        const next = walk(item, childPath(path, index), childPath(exceptionPath, index), depth + 1, inResult);
        if (next !== item) (copy ??= [...value])[index] = next;
      });
      return copy ?? value;
    }
    if (typeof value === 'object' && value !== null) {
      const object = value as Record<string, unknown>;
      const binary = inResult && (object.type === 'image' || object.type === 'audio');
      const entries: Array<[string, unknown]> = [];
      let changed = false;
      for (const [key, item] of Object.entries(object)) {
        if (inResult && (STRUCTURAL_KEYS.has(key) || (binary && key === 'data'))) {
          entries.push([key, item]);
          continue;
        }
        const rawPath = childPath(exceptionPath, key);
        const { segment, renamed } = keyOf(key, path, rawPath);
        const next = walk(item, childPath(path, segment), rawPath, depth + 1, inResult);
        let newKey = renamed ? segment : key;
        for (let n = 2; renamed && (Object.hasOwn(object, newKey) || entries.some(([k]) => k === newKey)); n += 1) newKey = `${segment}#${n}`;
        changed ||= next !== item || newKey !== key;
        entries.push([newKey, next]);
      }
      return changed ? Object.fromEntries(entries) : value;
    }
    return value;
  };

  try {
    const rewritten = walk(content, root, root, 0, target.where === 'results');
    return { ...outcome, content: rewritten, redacted: rewritten !== content };
  } catch (error) {
    if (error instanceof TooDeep) return { ...base, findings: [], findingsOmitted: 0, blockedBy: undefined, oversize: { decision: set.oversize, reason: 'depth', bytes } };
    throw error;
  }
}

function applies(rule: CompiledGuardrailRule, target: ScanTarget): boolean {
  if (!(target.where === 'arguments' ? rule.arguments : rule.results)) return false;
  if (!rule.methods.has(target.method)) return false;
  if (rule.server !== undefined && rule.server !== target.serverId && rule.server !== target.serverSlug) return false;
  if (rule.tool !== undefined && rule.tool !== target.tool) return false;
  return true;
}
