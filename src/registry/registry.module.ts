import { Module } from '@nestjs/common';
import { TenancyModule } from '../tenancy/tenancy.module';
import { UpstreamModule } from '../upstream/upstream.module';
import { ChangeServerStateHandler } from './commands/change-server-state.handler';
import { UpdateServerHandler } from './commands/update-server.handler';
import { VaultCoreModule } from '../vault/vault-core.module';
import { RediscoverToolsHandler } from './commands/rediscover-tools.handler';
import { RegisterServerHandler } from './commands/register-server.handler';
import { ReviewToolHandler } from './commands/review-tool.handler';
import { ServersController } from './servers.controller';
import { ServersReadModel } from './servers.read-model';
import { ServerSessionCloser } from './server-session-closer';
import { ToolListWatcher } from './tool-list-watcher';

@Module({
  imports: [TenancyModule, UpstreamModule, VaultCoreModule],
  controllers: [ServersController],
  providers: [
    ServersReadModel,
    RegisterServerHandler,
    ReviewToolHandler,
    RediscoverToolsHandler,
    UpdateServerHandler,
    ChangeServerStateHandler,
    ToolListWatcher,
    ServerSessionCloser,
  ],
  exports: [ServersReadModel, ToolListWatcher, ServerSessionCloser],
})
export class RegistryModule {}
