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
  /** Writes of each server's credential, one after another (see write). */
  private readonly writing = new Map<string, Promise<unknown>>();
  /** The last version this process wrote for each server: the read model may not have applied it yet. */
  private readonly lastWritten = new Map<string, number>();

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
    injector.storeRotatedRefreshTokensWith((orgId, serverId, credential, after) => this.write(orgId, serverId, credential, 'RotateCredential', VAULT_ACTOR, after));
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
    await this.serialised(serverId, async () => {
      await this.aggregates.handle(credentialDecider, { type: 'RemoveCredential', serverId }, { stream: credentialStream(serverId), org: orgId, actor });
      this.store.deleteVersions(serverId);
      this.injector.forget(serverId);
    });
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

  /**
   * Resolves to the version written. A server's writes run one at a time, and each takes the
   * version after the last one written (by the ledger's read model, or by this process before the
   * read model applied it): two at once (two API rotations, or an API rotation and a refresh token
   * the authorization server rotated) would otherwise take the same version, one would fail on the
   * ledger, and the vault row they share would hold the ciphertext of the one that failed.
   */
  private write(orgId: string, serverId: string, credential: Credential, type: 'SetCredential' | 'RotateCredential', actor: Actor): Promise<number>;
  /** With `after`: only if the server's last version is still `after` when its turn comes (else undefined: a newer one won). */
  private write(orgId: string, serverId: string, credential: Credential, type: 'SetCredential' | 'RotateCredential', actor: Actor, after: number | undefined): Promise<number | undefined>;
  private write(orgId: string, serverId: string, credential: Credential, type: 'SetCredential' | 'RotateCredential', actor: Actor, after?: number): Promise<number | undefined> {
    return this.serialised(serverId, async () => {
      if (after !== undefined && this.lastVersionOf(serverId) !== after) return undefined;
      return this.writeNext(orgId, serverId, credential, type, actor);
    });
  }

  private lastVersionOf(serverId: string): number {
    return Math.max(this.credentials.lastVersion(serverId), this.lastWritten.get(serverId) ?? 0);
  }

  /** Runs `change` once the server's earlier changes are done (whether they succeeded or not). */
  private serialised<T>(serverId: string, change: () => Promise<T>): Promise<T> {
    const previous = this.writing.get(serverId) ?? Promise.resolve();
    const done = previous.catch(() => undefined).then(change);
    this.writing.set(serverId, done);
    void done.catch(() => undefined).finally(() => {
      if (this.writing.get(serverId) === done) this.writing.delete(serverId);
    });
    return done;
  }

  private async writeNext(orgId: string, serverId: string, credential: Credential, type: 'SetCredential' | 'RotateCredential', actor: Actor): Promise<number> {
    const version = this.lastVersionOf(serverId) + 1;
    const sealed = await sealCredential(this.keys, { org: orgId, serverId, version }, credential).catch((error: unknown) => {
      throw error instanceof VaultKeyError ? new WardenError('unavailable', 'VAULT.KEK_UNAVAILABLE', error.message) : error;
    });
    this.store.put(sealed, this.clock.nowIso());
    const command: CredentialCommand = { type, serverId, version, scheme: credential.scheme, fingerprint: this.hints.hintOf(secretMaterial(credential)) };
    try {
      await this.aggregates.handle(credentialDecider, command, { stream: credentialStream(serverId), org: orgId, actor });
    } catch (error) {
      // Its event did not commit: its row goes, and only its row (the read model may not show yet what committed before it).
      this.store.deleteVersion(serverId, version);
      throw error;
    }
    this.lastWritten.set(serverId, version);
    this.store.deleteVersions(serverId, version);
    return version;
  }
}

/** The actor of what the vault does by itself (storing a refresh token the authorization server rotated). */
const VAULT_ACTOR: Actor = { kind: 'system', id: 'vault' };
