import { Logger } from '@nestjs/common';
import type { InjectedCredential } from '../upstream/upstream-credentials';
import type { Credential } from './credential-schemes';
import type { KeyManager } from './key-manager/key-manager.port';
import type { McpOAuthClient } from './mcp-auth/mcp-oauth-client';
import type { OAuthTokens, RotatedRefreshToken, TokenGrant } from './oauth-tokens';
import { openCredential, unreadable, type CredentialRecord } from './sealed-credential';
import type { VaultStore } from './vault-store';

/** Which version is active for a server (the ledger's read model). */
export type ActiveVersionOf = (serverId: string) => (CredentialRecord & { orgId?: string }) | undefined;

/**
 * Stores a credential as a server's next version (the vault's rotation), if its last version is
 * still `after` when the write's turn comes; resolves to the version written, or undefined.
 */
export type StoreNextVersion = (org: string, serverId: string, credential: Credential, after: number) => Promise<number | undefined>;

/**
 * Turns a server's active credential into what a request to it carries. A version's secret is
 * decrypted once and kept in memory (versions are immutable); a version that cannot be opened
 * (moved, altered, wrong KEK, row gone) fails closed: the request is not sent.
 */
export class CredentialInjector {
  private readonly logger = new Logger('CredentialVault');
  private readonly opened = new Map<string, Promise<Credential>>();
  private storeNextVersion: StoreNextVersion | undefined;

  constructor(
    private readonly activeVersionOf: ActiveVersionOf,
    private readonly store: VaultStore,
    private readonly keys: KeyManager,
    private readonly tokens: OAuthTokens,
    private readonly mcpOAuth: McpOAuthClient,
  ) {}

  /** The credential to add to a request to this server (at `upstreamUrl`) now; undefined when it has none. */
  async forServer(serverId: string, upstreamUrl?: string): Promise<InjectedCredential | undefined> {
    const active = this.activeVersionOf(serverId);
    if (!active) return undefined;
    const record = { org: active.org, serverId, version: active.version };
    return this.inject(`${serverId}@${active.version}`, await this.open(record), upstreamUrl, record);
  }

  /** How a refresh token the authorization server rotated is stored (the vault sets it). */
  storeRotatedRefreshTokensWith(store: StoreNextVersion): void {
    this.storeNextVersion = store;
  }

  /** A credential not stored yet, as its grant goes on (its refresh token rotated since): what registration stores. */
  asItGoesOn(key: string, credential: Credential): Credential {
    return (credential.scheme === 'oauth_refresh_token' && this.tokens.rotatedGrant(key)) || credential;
  }

  /** What a credential not yet stored (registration's discovery) adds to requests. */
  async forCredential(key: string, credential: Credential, upstreamUrl?: string): Promise<InjectedCredential> {
    return this.inject(key, credential, upstreamUrl);
  }

  /** Forgets what is cached of a server's superseded or removed versions. */
  forget(serverId: string): void {
    for (const key of this.opened.keys()) if (key.startsWith(`${serverId}@`)) this.opened.delete(key);
    this.tokens.forget(serverId);
    this.mcpOAuth.forget(serverId);
  }

  private open(record: CredentialRecord): Promise<Credential> {
    const key = `${record.serverId}@${record.version}`;
    let opened = this.opened.get(key);
    if (!opened) {
      const sealed = this.store.get(record.serverId, record.version);
      opened = sealed ? openCredential(this.keys, record, sealed) : Promise.reject(unreadable(record));
      this.opened.set(key, opened);
      opened.catch(() => this.opened.delete(key));
    }
    return opened;
  }

  /**
   * A rotated refresh token of version `from` becomes the next version, unless `from` is no longer
   * the active one (an operator's newer credential wins); its access token serves the new version
   * too. If it cannot be stored, it goes on in memory (a restart then starts from the old one).
   */
  private storingRotation(from: CredentialRecord): RotatedRefreshToken {
    return async (rotated, issued) => {
      if (!this.storeNextVersion) return;
      try {
        const version = await this.storeNextVersion(from.org, from.serverId, rotated, from.version);
        if (version !== undefined) this.tokens.seed(`${from.serverId}@${version}`, issued);
      } catch (error) {
        this.logger.error(`the refresh token the authorization server rotated for server ${from.serverId} could not be stored (${(error as Error).name}); it is kept in memory until a restart`);
      }
    };
  }

  /** @param stored the stored version the credential is (none: not stored yet, a rotated refresh token then stays in memory for registration to store). */
  private async inject(key: string, credential: Credential, upstreamUrl: string | undefined, stored?: CredentialRecord): Promise<InjectedCredential> {
    switch (credential.scheme) {
      case 'bearer':
        return { headers: { authorization: `Bearer ${credential.token}` }, query: {} };
      case 'api_key':
        return credential.in === 'header' ? { headers: { [credential.name]: credential.key }, query: {} } : { headers: {}, query: { [credential.name]: credential.key } };
      case 'headers':
        return { headers: { ...credential.headers }, query: {} };
      case 'env':
        return { headers: {}, query: {}, env: { ...credential.variables } };
      case 'oauth_client_credentials':
        return this.oauthBearer(key, credential, undefined);
      case 'oauth_refresh_token':
        return this.oauthBearer(key, credential, stored && this.storingRotation(stored));
      case 'mcp_oauth':
        return this.mcpOAuth.inject(key, credential, upstreamUrl);
    }
  }

  private async oauthBearer(key: string, credential: TokenGrant, rotated: RotatedRefreshToken | undefined): Promise<InjectedCredential> {
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const token = await this.tokens.token(key, credential, rotated);
    return {
      headers: bearer(token),
      query: {},
      refused: async () => ({ headers: bearer(await this.tokens.renew(key, credential, token, rotated)), query: {} }),
    };
  }
}
