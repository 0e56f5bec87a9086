import { staleVersion, versionedSetDecider, type ApplyVersionedSet } from '../common/versioned-set.decider';
import type { WardenError } from '../common/warden-error';
import type { LimitSet } from './limit-set';

export type ApplyLimitSet = ApplyVersionedSet<'ApplyLimitSet', LimitSet>;

/** A change names the version it was based on; another version applied since refuses it (LIMIT.STALE_VERSION). The set in force again changes nothing. */
export const limitSetDecider = versionedSetDecider<'ApplyLimitSet', 'LimitSetApplied', LimitSet>('LimitSetApplied', 'LIMIT.STALE_VERSION');

export function staleLimitVersion(baseVersion: number, current: number): WardenError {
  return staleVersion('LIMIT.STALE_VERSION', baseVersion, current);
}
