import { v7 as uuidv7 } from 'uuid';

/** The clock and id generator are injected (DESIGN.md §7) so deciders and tests stay deterministic. */
export interface Clock {
  /** RFC 3339, UTC, microseconds. */
  nowIso(): string;
  nowMs(): number;
}
export const CLOCK = Symbol('CLOCK');

export interface IdGenerator {
  next(): string;
}
export const ID_GENERATOR = Symbol('ID_GENERATOR');

const hrOrigin = process.hrtime.bigint();
const epochOriginUs = BigInt(Date.now()) * 1000n;

/** Microsecond wall clock: the epoch at start-up plus the monotonic time since. */
export const systemClock: Clock = {
  nowIso() {
    const us = epochOriginUs + (process.hrtime.bigint() - hrOrigin) / 1000n;
    const ms = Number(us / 1000n);
    const micros = Number(us % 1000n);
    const base = new Date(ms).toISOString(); // 2026-11-25T04:10:57.123Z
    return `${base.slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
  },
  nowMs() {
    return Date.now();
  },
};

export const uuidV7Ids: IdGenerator = { next: () => uuidv7() };
