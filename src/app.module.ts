import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AgentsModule } from './agents/agents.module';
import { loadOrCreateKeyHintSecret } from './common/key-hint-secret';
import { KeyHints } from './common/key-hints';
import { WARDEN_CONFIG, type WardenConfig } from './config/warden-config';
import { ErasureModule } from './erasure/erasure.module';
import { GatewayModule } from './gateway/gateway.module';
import { HealthController } from './health.controller';
import { LedgerModule } from './ledger/ledger.module';
import { RegistryModule } from './registry/registry.module';
import { TenancyModule } from './tenancy/tenancy.module';
import { VaultModule } from './vault/vault.module';

@Module({})
export class AppModule {
  static forRoot(config: WardenConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [CqrsModule.forRoot(), LedgerModule, TenancyModule, RegistryModule, AgentsModule, GatewayModule, ErasureModule, VaultModule],
      controllers: [HealthController],
      providers: [
        { provide: WARDEN_CONFIG, useValue: config },
        { provide: KeyHints, useFactory: () => new KeyHints(loadOrCreateKeyHintSecret(config.dataDir)) },
      ],
      exports: [WARDEN_CONFIG, KeyHints],
    };
  }
}
