import { Inject, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { WARDEN_CONFIG, type WardenConfig } from '../config/warden-config';
import { UpstreamModule } from '../upstream/upstream.module';
import { UpstreamPool } from '../upstream/upstream-pool';
import { CredentialInjector } from './credential-injector';
import { CredentialVault } from './credential-vault';
import { CredentialsReadModel } from './credentials.read-model';
import { KEY_MANAGER, type KeyManager } from './key-manager/key-manager.port';
import { McpOAuthClient } from './mcp-auth/mcp-oauth-client';
import { WardenMetrics } from '../metrics/warden-metrics';
import { OAuthTokens, type TokenRequestObserver } from './oauth-tokens';
import { openVaultStore, vaultKeys } from './open-vault';
import { VaultStore } from './vault-store';

/**
 * The vault without its API: store (vault.db), KEK, active versions, the injector the upstream
 * pool asks for every request's credential, and the service that sets them. The registry uses it
 * for a credential given at registration; VaultModule adds the routes.
 */
@Module({
  imports: [UpstreamModule],
  providers: [
    { provide: VaultStore, inject: [WARDEN_CONFIG], useFactory: (config: WardenConfig) => openVaultStore(config.dataDir) },
    { provide: KEY_MANAGER, inject: [WARDEN_CONFIG, VaultStore], useFactory: vaultKeys },
    {
      provide: OAuthTokens,
      inject: [WARDEN_CONFIG, UpstreamPool, WardenMetrics],
      useFactory: (config: WardenConfig, pool: UpstreamPool, metrics: WardenMetrics) => new OAuthTokens(config.upstreamTimeoutMs, pool.egress, Date.now, observerOf(metrics)),
    },
    {
      provide: McpOAuthClient,
      inject: [WARDEN_CONFIG, UpstreamPool, WardenMetrics],
      useFactory: (config: WardenConfig, pool: UpstreamPool, metrics: WardenMetrics) => new McpOAuthClient(pool.egress, config.upstreamTimeoutMs, Date.now, observerOf(metrics)),
    },
    CredentialsReadModel,
    {
      provide: CredentialInjector,
      inject: [CredentialsReadModel, VaultStore, KEY_MANAGER, OAuthTokens, McpOAuthClient],
      useFactory: (credentials: CredentialsReadModel, store: VaultStore, keys: KeyManager, tokens: OAuthTokens, mcpOAuth: McpOAuthClient) =>
        new CredentialInjector(
          (serverId) => {
            const active = credentials.activeFor(serverId);
            return active && { org: active.orgId, serverId, version: active.version };
          },
          store,
          keys,
          tokens,
          mcpOAuth,
        ),
    },
    CredentialVault,
  ],
  exports: [CredentialVault, CredentialsReadModel],
})
export class VaultCoreModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly pool: UpstreamPool,
    private readonly injector: CredentialInjector,
    @Inject(VaultStore) private readonly store: VaultStore,
  ) {}

  onModuleInit(): void {
    this.pool.useCredentials((serverId, url) => this.injector.forServer(serverId, url));
  }

  onApplicationShutdown(): void {
    this.store.close();
  }
}

/** Token requests counted in warden_oauth_token_requests_total. */
function observerOf(metrics: WardenMetrics): TokenRequestObserver {
  return (server, grant, outcome) => metrics.tokenRequested(server, grant, outcome);
}
