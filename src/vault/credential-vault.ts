import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '@warden/ledger';
import { KeyHints } from '../common/key-hints';
import { AggregateStore } from '../ledger/aggregate-store';
import { CLOCK, type Clock } from '../ledger/clock';
import type { UpstreamCredentials } from '../upstream/upstream-credentials';
import { credentialDecider, type CredentialCommand } from './credential.decider';
import { CredentialInjector } from './credential-injector';
import { parseCredential, secretMaterial, type Credential } from './credential-schemes';
import { CredentialsReadModel } from './credentials.read-model';
import { KEY_MANAGER, VaultKeyError, type KeyManager } from './key-manager/key-manager.port';
import { WardenError } from '../common/warden-error';
import { sealCredential } from './sealed-credential';
import { credentialStream } from './vault.events';
import { VaultStore } from './vault-store';

/** A credential validated and ready to be stored once its server exists (registration's discovery uses it first). */
export interface PreparedCredential {
  credentials: UpstreamCredentials;
  store(actor: Actor): Promise<void>;
}

/**
 * Sets, rotates and removes servers' credentials: the new version is sealed and written to the
 * vault first, then its event is appended (the ledger says which version is active; a version
 * whose event never commits is never used), then superseded versions are deleted.
 */
@Injectable()
export class CredentialVault {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly credentials: CredentialsReadModel,
    private readonly store: VaultStore,
    private readonly injector: CredentialInjector,
    private readonly hints: KeyHints,
    @Inject(KEY_MANAGER) private readonly keys: KeyManager,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    // A refresh token the authorization server rotated is the credential's next version, written by the vault itself.
    injector.storeRotatedRefreshTokensWith((orgId, serverId, credential) => this.write(orgId, serverId, credential, 'RotateCredential', VAULT_ACTOR));
  }

  async set(orgId: string, serverId: string, input: Record<string, unknown>, actor: Actor): Promise<void> {
    await this.write(orgId, serverId, parseCredential(input), 'SetCredential', actor);
  }

  /** A new secret for the active scheme (the scheme may be left out of the body). */
  async rotate(orgId: string, serverId: string, input: Record<string, unknown>, actor: Actor): Promise<void> {
    const scheme = this.credentials.get(orgId, serverId)?.scheme;
    const credential = parseCredential({ ...input, scheme: input.scheme ?? scheme });
    await this.write(orgId, serverId, credential, 'RotateCredential', actor);
  }

  async remove(orgId: string, serverId: string, actor: Actor): Promise<void> {
    await this.aggregates.handle(credentialDecider, { type: 'RemoveCredential', serverId }, { stream: credentialStream(serverId), org: orgId, actor });
    this.store.deleteVersions(serverId);
    this.injector.forget(serverId);
  }

  /** Validates a credential given with a server's registration: discovery uses it before anything is stored. */
  prepare(orgId: string, serverId: string, input: Record<string, unknown>, upstreamUrl?: string): PreparedCredential {
    const credential = parseCredential(input);
    return {
      credentials: () => this.injector.forCredential(`${serverId}@1`, credential, upstreamUrl),
      // What discovery used may have rotated its refresh token meanwhile: the grant as it goes on is stored.
      store: async (actor) => void (await this.write(orgId, serverId, this.injector.asItGoesOn(`${serverId}@1`, credential), 'SetCredential', actor)),
    };
  }

  /** Resolves to the version written. */
  private async write(orgId: string, serverId: string, credential: Credential, type: 'SetCredential' | 'RotateCredential', actor: Actor): Promise<number> {
    const version = this.credentials.lastVersion(serverId) + 1;
    const sealed = await sealCredential(this.keys, { org: orgId, serverId, version }, credential).catch((error: unknown) => {
      throw error instanceof VaultKeyError ? new WardenError('unavailable', 'VAULT.KEK_UNAVAILABLE', error.message) : error;
    });
    this.store.put(sealed, this.clock.nowIso());
    const command: CredentialCommand = { type, serverId, version, scheme: credential.scheme, fingerprint: this.hints.hintOf(secretMaterial(credential)) };
    try {
      await this.aggregates.handle(credentialDecider, command, { stream: credentialStream(serverId), org: orgId, actor });
    } catch (error) {
      if (this.credentials.activeFor(serverId)?.version !== version) this.store.deleteVersions(serverId, this.credentials.activeFor(serverId)?.version);
      throw error;
    }
    this.store.deleteVersions(serverId, version);
    return version;
  }
}

/** The actor of what the vault does by itself (storing a refresh token the authorization server rotated). */
const VAULT_ACTOR: Actor = { kind: 'system', id: 'vault' };
