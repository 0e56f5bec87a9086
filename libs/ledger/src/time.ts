import { LedgerError } from './errors';

/**
 * RFC 3339 UTC timestamps with a microsecond field, e.g. 2026-11-25T04:10:57.123456Z.
 * JavaScript clocks give milliseconds; the last three digits come from the injected clock.
 */

/** A reading: milliseconds since the epoch, plus microseconds within that millisecond (0–999). */
export interface MicrosReading {
  epochMs: number;
  micros: number;
}
export type MicrosClock = () => MicrosReading;

export function rfc3339Micros(date: Date = new Date(), extraMicros = 0): string {
  if (!Number.isInteger(extraMicros) || extraMicros < 0 || extraMicros > 999) {
    throw new LedgerError('LEDGER.INVALID_TIME', `sub-millisecond micros must be an integer 0..999, got ${extraMicros}`);
  }
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < 0 || year > 9999) {
    throw new LedgerError('LEDGER.INVALID_TIME', 'date is invalid or outside years 0000..9999');
  }
  // toISOString(): YYYY-MM-DDTHH:mm:ss.sssZ for years 0000..9999
  return `${date.toISOString().slice(0, 23)}${String(extraMicros).padStart(3, '0')}Z`;
}

/** The current time of `clock` as an RFC 3339 µs timestamp. */
export function rfc3339MicrosNow(clock: MicrosClock = systemMicrosClock): string {
  const { epochMs, micros } = clock();
  return rfc3339Micros(new Date(epochMs), micros);
}

/** Date.now() with a zero microsecond part. */
export const systemMicrosClock: MicrosClock = () => ({ epochMs: Date.now(), micros: 0 });

/**
 * A clock whose readings never repeat within one millisecond: the micro digits count the
 * readings taken in the same millisecond (0, 1, 2 … capped at 999). They order events of one
 * process; they are not a measurement of sub-millisecond time.
 */
export function createSequencedMicrosClock(nowMs: () => number = Date.now): MicrosClock {
  let lastMs = Number.NaN;
  let counter = 0;
  return () => {
    const epochMs = nowMs();
    counter = epochMs === lastMs ? Math.min(counter + 1, 999) : 0;
    lastMs = epochMs;
    return { epochMs, micros: counter };
  };
}
