import { WrongExpectedRevisionError } from '@warden/event-store';
import { WardenError } from './warden-error';

/**
 * Optimistic concurrency on the command API: a change names the revision of the entity it read
 * (`If-Match: "<revision>"`); any other revision is 409 CONFLICT.STALE_REVISION and nothing is
 * written. Pure: the decider calls it with the revision its state was folded to.
 */
export function assertFreshRevision(expected: number | undefined, current: number): void {
  if (expected === undefined || expected === current) return;
  throw staleRevision(expected, current);
}

export function staleRevision(expected: number | string, current: number): WardenError {
  return new WardenError('conflict', 'CONFLICT.STALE_REVISION', `the entity changed since revision ${expected} (now ${current}): read it again and retry`, {
    expectedRevision: expected,
    currentRevision: current,
  });
}

/** A concurrent writer that won between our read and our append is a stale revision too. */
export async function staleRevisionAsConflict<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof WrongExpectedRevisionError) throw staleRevision(error.expected, error.actual);
    throw error;
  }
}
