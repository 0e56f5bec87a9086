import { Module } from '@nestjs/common';
import { TenancyModule } from '../tenancy/tenancy.module';
import { UpstreamModule } from '../upstream/upstream.module';
import { RegisterServerHandler } from './commands/register-server.handler';
import { ReviewToolHandler } from './commands/review-tool.handler';
import { ServersController } from './servers.controller';
import { ServersReadModel } from './servers.read-model';

@Module({
  imports: [TenancyModule, UpstreamModule],
  controllers: [ServersController],
  providers: [ServersReadModel, RegisterServerHandler, ReviewToolHandler],
  exports: [ServersReadModel],
})
export class RegistryModule {}
