import { WardenError } from '../common/warden-error';
import type { Decider } from '../ledger/decider';
import type { LimitSet } from './limit-set';
import type { LimitEvent } from './limits.events';

export interface ApplyLimitSet {
  type: 'ApplyLimitSet';
  set: LimitSet;
  digest: string;
  baseVersion: number;
}

/** A change names the version it was based on; another version applied since refuses it (LIMIT.STALE_VERSION). The set in force again changes nothing. */
export const limitSetDecider: Decider<ApplyLimitSet, LimitEvent, { version: number; digest: string | null }> = {
  initialState: () => ({ version: 0, digest: null }),
  evolve: (state, event) => (event.type === 'LimitSetApplied' ? { version: event.data.version, digest: event.data.digest } : state),
  decide(command, state) {
    if (command.baseVersion !== state.version) throw staleLimitVersion(command.baseVersion, state.version);
    if (command.digest === state.digest) return [];
    return [{ type: 'LimitSetApplied', data: { version: state.version + 1, digest: command.digest, set: command.set, baseVersion: command.baseVersion } }];
  },
};

export function staleLimitVersion(baseVersion: number, current: number): WardenError {
  return new WardenError('conflict', 'LIMIT.STALE_VERSION', `the change is based on version ${baseVersion}, but version ${current} is in force: read it and apply again`, {
    baseVersion,
    currentVersion: current,
  });
}
