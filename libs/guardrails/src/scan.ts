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

  const scanString = (text: string, path: string): string => {
    const cache = new Map<string, Detection[]>();
    let lowered: string | undefined;
    const lower = () => (lowered ??= text.toLowerCase());
    const redactions: Detection[] = [];
    let customMayMatch: boolean | undefined;
    for (const rule of rules) {
      if (rule.exceptPaths.some((p) => pathCovers(p, path))) continue;
      if (rule.custom && set.customPrefilter && !(customMayMatch ??= set.customPrefilter.test(text))) continue;
      for (const d of rule.detect(text, lower, cache)) {
        if (rule.exceptValues.size > 0 && rule.exceptValues.has(text.slice(d.start, d.end))) continue;
        record({ detector: rule.detector, rule: rule.id, action: rule.action, kind: d.kind, path });
        if (rule.action === 'redact') redactions.push(d);
      }
    }
    return redactSpans(text, redactions);
  };

  const walk = (value: unknown, path: string, depth: number, inResult: boolean): unknown => {
    if (depth > MAX_DEPTH) throw new TooDeep();
    if (typeof value === 'string') return scanString(value, path);
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      value.forEach((item, index) => {
        const next = walk(item, childPath(path, index), depth + 1, inResult);
        if (next !== item) (copy ??= [...value])[index] = next;
      });
      return copy ?? value;
    }
    if (typeof value === 'object' && value !== null) {
      const object = value as Record<string, unknown>;
      const binary = inResult && (object.type === 'image' || object.type === 'audio');
      let copy: Record<string, unknown> | undefined;
      for (const [key, item] of Object.entries(object)) {
        if (inResult && (STRUCTURAL_KEYS.has(key) || (binary && key === 'data'))) continue;
        const next = walk(item, childPath(path, key), depth + 1, inResult);
        if (next !== item) (copy ??= { ...object })[key] = next;
      }
      return copy ?? value;
    }
    return value;
  };

  try {
    const rewritten = walk(content, root, 0, target.where === 'results');
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
