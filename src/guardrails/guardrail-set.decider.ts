import type { GuardrailSet } from '@warden/guardrails';
import { WardenError } from '../common/warden-error';
import type { Decider } from '../ledger/decider';
import type { GuardrailEvent } from './guardrails.events';

export interface ApplyGuardrailSet {
  type: 'ApplyGuardrailSet';
  set: GuardrailSet;
  digest: string;
  baseVersion: number;
}

export interface GuardrailStreamState {
  version: number;
  digest: string | null;
}

/** A change names the version it was based on (GUARDRAILS.STALE_VERSION otherwise); the set already in force writes nothing. */
export const guardrailSetDecider: Decider<ApplyGuardrailSet, GuardrailEvent, GuardrailStreamState> = {
  initialState: () => ({ version: 0, digest: null }),
  evolve: (state, event) => (event.type === 'GuardrailSetApplied' ? { version: event.data.version, digest: event.data.digest } : state),
  decide(command, state) {
    if (command.baseVersion !== state.version) throw staleGuardrailVersion(command.baseVersion, state.version);
    if (command.digest === state.digest) return [];
    return [{ type: 'GuardrailSetApplied', data: { version: state.version + 1, digest: command.digest, set: command.set, baseVersion: command.baseVersion } }];
  },
};

export function staleGuardrailVersion(baseVersion: number, current: number): WardenError {
  return new WardenError('conflict', 'GUARDRAILS.STALE_VERSION', `the change is based on version ${baseVersion}, but version ${current} is in force: review it and apply again`, {
    baseVersion,
    currentVersion: current,
  });
}
