import { rfc3339Micros } from '@warden/ledger';
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
    return rfc3339Micros(new Date(Number(us / 1000n)), Number(us % 1000n));
  },
  nowMs() {
    return Date.now();
  },
};

export const uuidV7Ids: IdGenerator = { next: () => uuidv7() };
