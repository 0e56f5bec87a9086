import type { CapDimension } from './limit-set';

/** What a call is counted under. `workflow` is client-asserted: it groups, it never authorises. */
export interface CallFacts {
  org: string;
  agent: string;
  server: string;
  tool: string;
  workflow?: string;
}

const SEP = '\u0001';

/**
 * The counter key of a call under a set of dimensions: the organisation plus the call's value of
 * each dimension (a tool key always includes its server). Every call is counted under every
 * combination (countKeysOf), so any rule, added at any time, reads counts that already exist.
 */
export function keyOf(facts: CallFacts, dims: ReadonlySet<CapDimension>): string {
  const tool = dims.has('tool');
  // Concatenation, not [..].join: this runs for every rule and counter of every call (~6× cheaper).
  return (
    facts.org +
    SEP +
    (dims.has('agent') ? facts.agent : '*') +
    SEP +
    (tool || dims.has('server') ? facts.server : '*') +
    SEP +
    (tool ? facts.tool : '*') +
    SEP +
    (dims.has('workflow') ? (facts.workflow ?? '') : '*')
  );
}

const AGENT: CapDimension[][] = [[], ['agent']];
const TOOL: CapDimension[][] = [[], ['server'], ['server', 'tool']];
const WORKFLOW: CapDimension[][] = [[], ['workflow']];

const combos = (withWorkflow: boolean) =>
  AGENT.flatMap((a) => TOOL.flatMap((t) => (withWorkflow ? WORKFLOW : [[]]).map((w) => new Set<CapDimension>([...a, ...t, ...w]))));
const RATE_COMBOS = combos(false);
const CAP_COMBOS = combos(true);

/** The keys a call counts under for rate limits (6) and for spend caps (12, workflow included). */
export const rateKeysOf = (facts: CallFacts) => RATE_COMBOS.map((dims) => keyOf(facts, dims));
export const capKeysOf = (facts: CallFacts) => CAP_COMBOS.map((dims) => keyOf(facts, dims));

/** The dimensions a rule counts under: those it selects on plus those it counts per. */
export function dimensionsOf(rule: { agent?: string; server?: string; tool?: string; workflow?: string; per?: readonly CapDimension[] }): Set<CapDimension> {
  const dims = new Set<CapDimension>(rule.per ?? []);
  if (rule.agent !== undefined) dims.add('agent');
  if (rule.server !== undefined) dims.add('server');
  if (rule.tool !== undefined) dims.add('tool');
  if (rule.workflow !== undefined) dims.add('workflow');
  return dims;
}

/** The scope a rule's count is kept in, as the error names it: `org`, or its dimensions (`agent`, `tool`, `agent+tool`…). */
export function scopeOf(dims: ReadonlySet<CapDimension>): string {
  const named = (['agent', 'server', 'tool', 'workflow'] as const).filter((d) => dims.has(d) && !(d === 'server' && dims.has('tool')));
  return named.length === 0 ? 'org' : named.join('+');
}
