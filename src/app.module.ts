import { ReviewsModule } from './reviews/reviews.module';
import { SnapshotsModule } from './snapshots/snapshots.module';
import { ApprovalsModule } from './approvals/approvals.module';
import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AgentsModule } from './agents/agents.module';
import { AnchorModule } from './anchor/anchor.module';
import { loadOrCreateKeyHintSecret } from './common/key-hint-secret';
import { KeyHints } from './common/key-hints';
import { WARDEN_CONFIG, type WardenConfig } from './config/warden-config';
import { ErasureModule } from './erasure/erasure.module';
import { ExportModule } from './export/export.module';
import { RetentionModule } from './erasure/retention/retention.module';
import { ForensicsModule } from './forensics/forensics.module';
import { GatewayModule } from './gateway/gateway.module';
import { GuardrailsModule } from './guardrails/guardrails.module';
import { HealthController } from './health.controller';
import { IdentityModule } from './identity/identity.module';
import { OidcModule } from './identity/oidc/oidc.module';
import { TokensModule } from './identity/tokens/tokens.module';
import { LedgerModule } from './ledger/ledger.module';
import { LimitsModule } from './limits/limits.module';
import { PolicyModule } from './policy/policy.module';
import { MetricsModule } from './metrics/metrics.module';
import { RegistryModule } from './registry/registry.module';
import { TenancyModule } from './tenancy/tenancy.module';
import { UpstreamHealthModule } from './upstream-health/upstream-health.module';
import { VaultModule } from './vault/vault.module';

@Module({})
export class AppModule {
  static forRoot(config: WardenConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [CqrsModule.forRoot(), LedgerModule, MetricsModule, TenancyModule, RegistryModule, AgentsModule, GatewayModule, ErasureModule, IdentityModule, PolicyModule, GuardrailsModule, LimitsModule, TokensModule, OidcModule, UpstreamHealthModule, VaultModule, ApprovalsModule, ReviewsModule, AnchorModule, ExportModule, RetentionModule, ForensicsModule, SnapshotsModule],
      controllers: [HealthController],
      providers: [
        { provide: WARDEN_CONFIG, useValue: config },
        { provide: KeyHints, useFactory: () => new KeyHints(loadOrCreateKeyHintSecret(config.dataDir)) },
      ],
      exports: [WARDEN_CONFIG, KeyHints],
    };
  }
}
