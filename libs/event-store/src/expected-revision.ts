import { WrongExpectedRevisionError } from './event-store.errors';
import type { ExpectedRevision } from './event-store.port';

/** -1: the stream does not exist. */
export const NO_STREAM_REVISION = -1;

/**
 * Throws WrongExpectedRevisionError unless `current` (the revision of the stream's last event,
 * -1 if none) satisfies `expected`. A number -1 means the same as 'no_stream', so a writer can pass
 * what streamRevision() returned.
 */
export function assertExpectedRevision(stream: string, expected: ExpectedRevision, current: number): void {
  if (satisfies(expected, current)) return;
  throw new WrongExpectedRevisionError(stream, expected, current);
}

function satisfies(expected: ExpectedRevision, current: number): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return current === NO_STREAM_REVISION;
    case 'stream_exists':
      return current > NO_STREAM_REVISION;
    default:
      return expected === current;
  }
}

/** Input validation at the port: a bad expected revision is a programming error, not a conflict. */
export function isExpectedRevision(value: unknown): value is ExpectedRevision {
  if (value === 'any' || value === 'no_stream' || value === 'stream_exists') return true;
  return Number.isSafeInteger(value) && (value as number) >= NO_STREAM_REVISION;
}
