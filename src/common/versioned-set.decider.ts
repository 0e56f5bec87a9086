import type { Decider } from '../ledger/decider';
import { WardenError } from './warden-error';

/** The state of a versioned set's stream (limits, guardrails): what is in force. */
export interface VersionedSetState {
  version: number;
  digest: string | null;
}

export interface ApplyVersionedSet<C extends string, S> {
  type: C;
  set: S;
  digest: string;
  baseVersion: number;
}

export type VersionedSetApplied<E extends string, S> = {
  type: E;
  data: { version: number; digest: string; set: S; baseVersion: number };
};

/** 409: the change was based on another version than the one in force (read it and apply again). */
export function staleVersion(code: string, baseVersion: number, current: number): WardenError {
  return new WardenError('conflict', code, `the change is based on version ${baseVersion}, but version ${current} is in force: review it and apply again`, {
    baseVersion,
    currentVersion: current,
  });
}

/**
 * One signed version of a whole set per organisation: a change names the version it was based on
 * (`staleCode` otherwise), and the set already in force again writes nothing.
 */
export function versionedSetDecider<C extends string, E extends string, S>(
  appliedType: E,
  staleCode: string,
): Decider<ApplyVersionedSet<C, S>, VersionedSetApplied<E, S>, VersionedSetState> {
  return {
    initialState: () => ({ version: 0, digest: null }),
    evolve: (state, event) => (event.type === appliedType ? { version: event.data.version, digest: event.data.digest } : state),
    decide(command, state) {
      if (command.baseVersion !== state.version) throw staleVersion(staleCode, command.baseVersion, state.version);
      if (command.digest === state.digest) return [];
      return [{ type: appliedType, data: { version: state.version + 1, digest: command.digest, set: command.set, baseVersion: command.baseVersion } }];
    },
  };
}
