import { WardenError } from '../common/warden-error';
import type { Decider } from '../ledger/decider';
import type { CredentialScheme } from './credential-schemes';
import type { VaultEvent } from './vault.events';

export type CredentialCommand =
  | { type: 'SetCredential'; serverId: string; version: number; scheme: CredentialScheme; fingerprint: string }
  | { type: 'RotateCredential'; serverId: string; version: number; scheme: CredentialScheme; fingerprint: string }
  | { type: 'RemoveCredential'; serverId: string };

export interface CredentialState {
  /** The active version, if any. */
  active?: { version: number; scheme: CredentialScheme };
  /** The highest version ever used (versions are never reused: a version names one ciphertext). */
  lastVersion: number;
}

export const credentialDecider: Decider<CredentialCommand, VaultEvent, CredentialState> = {
  initialState: () => ({ lastVersion: 0 }),

  evolve(state, event) {
    switch (event.type) {
      case 'CredentialSet':
      case 'CredentialRotated':
        return { active: { version: event.data.version, scheme: event.data.scheme }, lastVersion: Math.max(state.lastVersion, event.data.version) };
      case 'CredentialRemoved':
        return { lastVersion: state.lastVersion };
      default: {
        const never: never = event;
        return never;
      }
    }
  },

  decide(command, state) {
    switch (command.type) {
      case 'SetCredential':
        expectNextVersion(command.version, state);
        return [{ type: 'CredentialSet', data: { serverId: command.serverId, scheme: command.scheme, version: command.version, fingerprint: command.fingerprint } }];
      case 'RotateCredential': {
        const active = state.active;
        if (!active) throw new WardenError('not_found', 'VAULT.NO_CREDENTIAL', 'this server has no credential to rotate: set one with PUT first');
        if (active.scheme !== command.scheme) {
          throw new WardenError('bad_request', 'VAULT.SCHEME_MISMATCH', `rotation keeps the scheme (${active.scheme}); to change it, set a new credential with PUT`, { field: 'scheme' });
        }
        expectNextVersion(command.version, state);
        return [
          {
            type: 'CredentialRotated',
            data: { serverId: command.serverId, scheme: command.scheme, version: command.version, fingerprint: command.fingerprint, previousVersion: active.version },
          },
        ];
      }
      case 'RemoveCredential':
        if (!state.active) throw new WardenError('not_found', 'VAULT.NO_CREDENTIAL', 'this server has no credential');
        return [{ type: 'CredentialRemoved', data: { serverId: command.serverId, version: state.active.version } }];
    }
  },
};

/** The caller sealed the new version for lastVersion + 1 (AAD binds it); anything else is a lost race. */
function expectNextVersion(version: number, state: CredentialState): void {
  if (version !== state.lastVersion + 1) {
    throw new WardenError('conflict', 'VAULT.CONCURRENT_CHANGE', 'the credential changed at the same time: try again');
  }
}
