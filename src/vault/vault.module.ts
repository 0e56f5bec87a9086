import { Module } from '@nestjs/common';
import { RegistryModule } from '../registry/registry.module';
import { TenancyModule } from '../tenancy/tenancy.module';
import { CredentialsController } from './credentials.controller';
import { VaultCoreModule } from './vault-core.module';

/** The credential vault's API: PUT / POST rotate / DELETE / GET /v1/servers/:serverId/credential. */
@Module({
  imports: [TenancyModule, RegistryModule, VaultCoreModule],
  controllers: [CredentialsController],
})
export class VaultModule {}
