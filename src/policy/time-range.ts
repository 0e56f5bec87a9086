import { WardenError } from '../common/warden-error';

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `7d`, `24h`, `30m` (before now) or an RFC 3339 time; absent: the given fallback. */
export function timeOf(value: unknown, field: string, now: Date, fallback: Date): Date {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'string') {
    const relative = /^(\d{1,6})([mhd])$/.exec(value);
    if (relative) return new Date(now.getTime() - Number(relative[1]) * UNIT_MS[relative[2]]);
    if (/^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value))) return new Date(value);
  }
  throw new WardenError('bad_request', 'VALIDATION.FAILED', `${field} must be a duration such as 7d, 24h, 30m, or an RFC 3339 time`, { field });
}
