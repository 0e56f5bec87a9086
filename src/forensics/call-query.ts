import { microsOf, type CallFilter, type CallPageRequest, type IndexedDecision } from '@warden/forensic-index';
import { WardenError } from '../common/warden-error';

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 200;

const TEXT_FILTERS = ['agent', 'server', 'tool', 'rule', 'workflow'] as const;
const KNOWN = [...TEXT_FILTERS, 'decision', 'from', 'to', 'minLatencyMs', 'hasFindings', 'q', 'cursor', 'limit'] as const;
const DECISIONS: readonly IndexedDecision[] = ['allow', 'deny', 'step_up', 'observe'];

export interface CallQuery {
  filter: CallFilter;
  page: CallPageRequest;
  /** The filter as the caller gave it (without q and cursor), for the ForensicQueryRun event. */
  recorded: Record<string, string | number | boolean>;
}

const bad = (field: string, message: string) => new WardenError('bad_request', 'FORENSICS.INVALID_FILTER', message, { field });

/** GET /v1/calls query parameters → the index's filter and page; anything unknown or malformed is a 400 naming the field. */
export function parseCallQuery(query: Record<string, unknown>, allowed: readonly string[] = KNOWN): CallQuery {
  const filter: CallFilter = {};
  const page: CallPageRequest = { limit: DEFAULT_PAGE };
  const recorded: CallQuery['recorded'] = {};
  for (const [key, raw] of Object.entries(query)) {
    if (!allowed.includes(key)) throw bad(key, `unknown parameter ${key} (known: ${allowed.join(', ')})`);
    if (typeof raw !== 'string' || raw.length === 0) throw bad(key, `${key} must be given once, as non-empty text`);
    const value = raw;
    if ((TEXT_FILTERS as readonly string[]).includes(key)) {
      if (value.length > 256) throw bad(key, `${key} must be at most 256 characters`);
      filter[key as (typeof TEXT_FILTERS)[number]] = value;
      recorded[key] = value;
    } else if (key === 'decision') {
      if (!DECISIONS.includes(value as IndexedDecision)) throw bad(key, `decision must be one of ${DECISIONS.join(', ')}`);
      filter.decision = value as IndexedDecision;
      recorded.decision = value;
    } else if (key === 'from' || key === 'to') {
      const us = microsOf(value);
      if (us === undefined) throw bad(key, `${key} must be an RFC 3339 time (2026-12-01T10:00:00Z)`);
      filter[key === 'from' ? 'fromUs' : 'toUs'] = us;
      recorded[key] = value;
    } else if (key === 'minLatencyMs') {
      if (!/^\d{1,9}(\.\d{1,3})?$/.test(value)) throw bad(key, 'minLatencyMs must be a non-negative number of milliseconds');
      filter.minLatencyMs = Number(value);
      recorded.minLatencyMs = Number(value);
    } else if (key === 'hasFindings') {
      if (value !== 'true' && value !== 'false') throw bad(key, 'hasFindings must be true or false');
      filter.hasFindings = value === 'true';
      recorded.hasFindings = filter.hasFindings;
    } else if (key === 'q') {
      if (value.length > 1000) throw bad(key, 'q must be at most 1000 characters');
      filter.q = value;
    } else if (key === 'limit') {
      if (!/^\d{1,4}$/.test(value) || Number(value) < 1 || Number(value) > MAX_PAGE) throw bad(key, `limit must be an integer from 1 to ${MAX_PAGE}`);
      page.limit = Number(value);
      recorded.limit = page.limit;
    } else if (key === 'cursor') {
      page.cursor = value;
    }
  }
  if (filter.fromUs !== undefined && filter.toUs !== undefined && filter.fromUs > filter.toUs) throw bad('from', 'from must not be after to');
  return { filter, page, recorded };
}

/** The parameters of a workflow's timeline: its page only. */
export const TIMELINE_PARAMETERS = ['cursor', 'limit'] as const;
