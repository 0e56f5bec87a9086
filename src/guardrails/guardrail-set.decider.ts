import type { GuardrailSet } from '@warden/guardrails';
import { staleVersion, versionedSetDecider, type ApplyVersionedSet, type VersionedSetState } from '../common/versioned-set.decider';
import type { WardenError } from '../common/warden-error';

export type ApplyGuardrailSet = ApplyVersionedSet<'ApplyGuardrailSet', GuardrailSet>;
export type GuardrailStreamState = VersionedSetState;

/** A change names the version it was based on (GUARDRAILS.STALE_VERSION otherwise); the set already in force writes nothing. */
export const guardrailSetDecider = versionedSetDecider<'ApplyGuardrailSet', 'GuardrailSetApplied', GuardrailSet>('GuardrailSetApplied', 'GUARDRAILS.STALE_VERSION');

export function staleGuardrailVersion(baseVersion: number, current: number): WardenError {
  return staleVersion('GUARDRAILS.STALE_VERSION', baseVersion, current);
}
