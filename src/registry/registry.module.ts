import { Module } from '@nestjs/common';
import { TenancyModule } from '../tenancy/tenancy.module';
import { UpstreamModule } from '../upstream/upstream.module';
import { VaultCoreModule } from '../vault/vault-core.module';
import { RediscoverToolsHandler } from './commands/rediscover-tools.handler';
import { RegisterServerHandler } from './commands/register-server.handler';
import { ReviewToolHandler } from './commands/review-tool.handler';
import { ServersController } from './servers.controller';
import { ServersReadModel } from './servers.read-model';
import { ToolListWatcher } from './tool-list-watcher';

@Module({
  imports: [TenancyModule, UpstreamModule, VaultCoreModule],
  controllers: [ServersController],
  providers: [ServersReadModel, RegisterServerHandler, ReviewToolHandler, RediscoverToolsHandler, ToolListWatcher],
  exports: [ServersReadModel, ToolListWatcher],
})
export class RegistryModule {}
