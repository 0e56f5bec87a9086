import { WardenError } from '../common/warden-error';

/** The dimensions a rate limit or a spend cap can select on and count per. A tool is always a tool of a server. */
export type RateDimension = 'agent' | 'server' | 'tool';
export type CapDimension = RateDimension | 'workflow';
export type RateWindow = 'rpm' | 'rph' | 'daily';
export type CapWindow = 'daily' | 'monthly';

/**
 * One rate limit. Selectors (`agent`, `server`, `tool`) narrow the calls it counts; `per` counts
 * them separately per agent / server / tool. No selector and no `per`: the whole organisation.
 * Every window given is checked.
 */
export interface RateLimitRule {
  id: string;
  agent?: string;
  server?: string;
  tool?: string;
  per?: RateDimension[];
  rpm?: number;
  rph?: number;
  daily?: number;
}

/** A fixed cost per call of one tool (or of every tool of a server, without `tool`). */
export interface ToolCost {
  server: string;
  tool?: string;
  amount: number;
}

/** A spend cap: like a rate limit, but on the sum of costs per UTC day / calendar month; `workflow` too. */
export interface SpendCapRule {
  id: string;
  agent?: string;
  server?: string;
  tool?: string;
  workflow?: string;
  per?: CapDimension[];
  daily?: number;
  monthly?: number;
  /** What a breach does: deny (default) or ask for a step-up. */
  onExceed?: 'deny' | 'step_up';
}

/** An organisation's limit set: applied as one signed LimitSetApplied on `limits-<org>`. */
export interface LimitSet {
  rates: RateLimitRule[];
  /** ISO 4217-like code the costs and caps are in (e.g. USD); required when costs or caps are given. */
  currency?: string;
  costs: ToolCost[];
  caps: SpendCapRule[];
}

export const RATE_WINDOWS: readonly RateWindow[] = ['rpm', 'rph', 'daily'];
export const CAP_WINDOWS: readonly CapWindow[] = ['daily', 'monthly'];
const MAX_RULES = 1000;
const MAX_COUNT = 1_000_000_000;
const MAX_AMOUNT = 1_000_000_000;
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Validates a raw limit set (a request body); bad input is LIMIT.SET_INVALID naming the field. */
export function parseLimitSet(raw: unknown): LimitSet {
  const body = objectAt(raw, '');
  refuseExtra(body, ['rates', 'currency', 'costs', 'caps'], '');
  const rates = listAt(body.rates, 'rates').map((r, i) => rateRule(r, `rates[${i}]`));
  const costs = listAt(body.costs, 'costs').map((c, i) => toolCost(c, `costs[${i}]`));
  const caps = listAt(body.caps, 'caps').map((c, i) => capRule(c, `caps[${i}]`));
  let currency: string | undefined;
  if (body.currency !== undefined) {
    if (typeof body.currency !== 'string' || !/^[A-Z]{3,8}$/.test(body.currency)) throw invalid('currency', 'currency must be 3 to 8 capital letters (e.g. USD)');
    currency = body.currency;
  }
  if ((costs.length > 0 || caps.length > 0) && currency === undefined) throw invalid('currency', 'currency is required when costs or caps are given');
  uniqueIds(rates, 'rates');
  uniqueIds(caps, 'caps');
  const seen = new Set<string>();
  costs.forEach((c, i) => {
    const key = `${c.server}\u0000${c.tool ?? ''}`;
    if (seen.has(key)) throw invalid(`costs[${i}]`, 'a tool has one cost');
    seen.add(key);
  });
  return { rates, ...(currency !== undefined ? { currency } : {}), costs, caps };
}

function rateRule(raw: unknown, at: string): RateLimitRule {
  const o = objectAt(raw, at);
  refuseExtra(o, ['id', 'agent', 'server', 'tool', 'per', 'rpm', 'rph', 'daily'], at);
  const rule: RateLimitRule = { id: idAt(o.id, `${at}.id`), ...selectors(o, at), ...perAt(o.per, `${at}.per`, ['agent', 'server', 'tool']) };
  for (const w of RATE_WINDOWS) if (o[w] !== undefined) rule[w] = countAt(o[w], `${at}.${w}`);
  if (RATE_WINDOWS.every((w) => rule[w] === undefined)) throw invalid(at, 'a rate limit needs rpm, rph or daily');
  return rule;
}

function capRule(raw: unknown, at: string): SpendCapRule {
  const o = objectAt(raw, at);
  refuseExtra(o, ['id', 'agent', 'server', 'tool', 'workflow', 'per', 'daily', 'monthly', 'onExceed'], at);
  const rule: SpendCapRule = { id: idAt(o.id, `${at}.id`), ...selectors(o, at), ...perAt(o.per, `${at}.per`, ['agent', 'server', 'tool', 'workflow']) };
  if (o.workflow !== undefined) rule.workflow = nameAt(o.workflow, `${at}.workflow`);
  for (const w of CAP_WINDOWS) if (o[w] !== undefined) rule[w] = amountAt(o[w], `${at}.${w}`);
  if (CAP_WINDOWS.every((w) => rule[w] === undefined)) throw invalid(at, 'a spend cap needs daily or monthly');
  if (o.onExceed !== undefined) {
    if (o.onExceed !== 'deny' && o.onExceed !== 'step_up') throw invalid(`${at}.onExceed`, 'onExceed must be deny or step_up');
    rule.onExceed = o.onExceed;
  }
  return rule;
}

function toolCost(raw: unknown, at: string): ToolCost {
  const o = objectAt(raw, at);
  refuseExtra(o, ['server', 'tool', 'amount'], at);
  return { server: nameAt(o.server, `${at}.server`), ...(o.tool !== undefined ? { tool: nameAt(o.tool, `${at}.tool`) } : {}), amount: amountAt(o.amount, `${at}.amount`) };
}

function selectors(o: Record<string, unknown>, at: string): Pick<RateLimitRule, 'agent' | 'server' | 'tool'> {
  const out: Pick<RateLimitRule, 'agent' | 'server' | 'tool'> = {};
  for (const key of ['agent', 'server', 'tool'] as const) if (o[key] !== undefined) out[key] = nameAt(o[key], `${at}.${key}`);
  if (out.tool !== undefined && out.server === undefined) throw invalid(`${at}.tool`, 'a tool is named with its server (server: id or slug)');
  return out;
}

function perAt<T extends string>(raw: unknown, at: string, allowed: readonly T[]): { per?: T[] } {
  if (raw === undefined) return {};
  if (!Array.isArray(raw) || raw.some((d) => !allowed.includes(d as T)) || new Set(raw).size !== raw.length) {
    throw invalid(at, `per must list distinct dimensions of: ${allowed.join(', ')}`);
  }
  return raw.length > 0 ? { per: raw as T[] } : {};
}

function uniqueIds(rules: Array<{ id: string }>, at: string): void {
  const ids = new Set<string>();
  rules.forEach((r, i) => {
    if (ids.has(r.id)) throw invalid(`${at}[${i}].id`, `rule id ${r.id} is used twice`);
    ids.add(r.id);
  });
}

function objectAt(raw: unknown, at: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid(at || 'body', `${at || 'the limit set'} must be a JSON object`);
  return raw as Record<string, unknown>;
}

function listAt(raw: unknown, at: string): unknown[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw invalid(at, `${at} must be an array`);
  if (raw.length > MAX_RULES) throw invalid(at, `${at} holds at most ${MAX_RULES} entries`);
  return raw;
}

function refuseExtra(o: Record<string, unknown>, known: string[], at: string): void {
  const extra = Object.keys(o).find((k) => !known.includes(k));
  if (extra !== undefined) throw invalid(at ? `${at}.${extra}` : extra, `unknown key ${extra}`);
}

function idAt(raw: unknown, at: string): string {
  if (typeof raw !== 'string' || !ID.test(raw)) throw invalid(at, 'a rule id is 1 to 64 letters, digits, dots, dashes or underscores');
  return raw;
}

function nameAt(raw: unknown, at: string): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 256) throw invalid(at, `${at} must be a non-empty string`);
  return raw;
}

function countAt(raw: unknown, at: string): number {
  if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < 0 || raw > MAX_COUNT) throw invalid(at, `${at} must be a whole number of requests from 0 to ${MAX_COUNT}`);
  return raw;
}

function amountAt(raw: unknown, at: string): number {
  if (typeof raw !== 'number' || !Number.isFinite(raw) || raw < 0 || raw > MAX_AMOUNT) throw invalid(at, `${at} must be an amount from 0 to ${MAX_AMOUNT}`);
  return raw;
}

function invalid(field: string, message: string): WardenError {
  return new WardenError('bad_request', 'LIMIT.SET_INVALID', message, { field });
}
