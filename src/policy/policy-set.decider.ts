import type { PolicySet } from '@warden/policy';
import { WardenError } from '../common/warden-error';
import type { Decider } from '../ledger/decider';
import type { PolicyEvent } from './policy.events';

export interface ApplyPolicySet {
  type: 'ApplyPolicySet';
  set: PolicySet;
  digest: string;
  baseVersion: number;
  rollbackOf?: number;
}

export interface PolicyStreamState {
  version: number;
  digest: string | null;
}

/**
 * Optimistic concurrency for operators: a change carries the version it was based on; if another
 * version was applied since, it is refused (POLICY.STALE_VERSION) rather than silently replacing it.
 * Applying the set already in force changes nothing.
 */
export const policySetDecider: Decider<ApplyPolicySet, PolicyEvent, PolicyStreamState> = {
  initialState: () => ({ version: 0, digest: null }),
  evolve: (state, event) => (event.type === 'PolicySetApplied' ? { version: event.data.version, digest: event.data.digest } : state),
  decide(command, state) {
    if (command.baseVersion !== state.version) throw staleVersion(command.baseVersion, state.version);
    if (command.digest === state.digest) return [];
    return [
      {
        type: 'PolicySetApplied',
        data: {
          version: state.version + 1,
          digest: command.digest,
          set: command.set,
          baseVersion: command.baseVersion,
          ...(command.rollbackOf !== undefined ? { rollbackOf: command.rollbackOf } : {}),
        },
      },
    ];
  },
};

export function staleVersion(baseVersion: number, current: number): WardenError {
  return new WardenError('conflict', 'POLICY.STALE_VERSION', `the change is based on version ${baseVersion}, but version ${current} is in force: review the diff and apply again`, {
    baseVersion,
    currentVersion: current,
  });
}
