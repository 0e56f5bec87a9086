import type { CapWindow, RateWindow } from './limit-set';

export type LimitWindow = RateWindow | CapWindow;
let lastMonth: Readonly<{ startMs: number; endMs: number }> = Object.freeze({ startMs: 0, endMs: 0 });
const FIXED_MS: Record<Exclude<LimitWindow, 'monthly'>, number> = { rpm: 60_000, rph: 3_600_000, daily: 86_400_000 };

/**
 * Fixed windows aligned to UTC: the minute, the hour, the UTC day, the calendar month (UTC) a
 * moment falls in. A count resets when its window ends; the error's reset time is that end.
 */
export function windowAt(window: LimitWindow, ms: number): Readonly<{ startMs: number; endMs: number }> {
  if (window === 'monthly') {
    // Every call asks for the month several times: the last one is kept (a Date costs ~10× the arithmetic).
    if (ms >= lastMonth.startMs && ms < lastMonth.endMs) return lastMonth;
    const d = new Date(ms);
    lastMonth = Object.freeze({ startMs: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), endMs: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) });
    return lastMonth;
  }
  const size = FIXED_MS[window];
  const startMs = Math.floor(ms / size) * size;
  return { startMs, endMs: startMs + size };
}
