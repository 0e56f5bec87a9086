import { Module } from '@nestjs/common';
import { RegistryModule } from '../registry/registry.module';
import { TenancyModule } from '../tenancy/tenancy.module';
import { AgentsController } from './agents.controller';
import { AgentsReadModel } from './agents.read-model';
import { RegisterAgentHandler } from './commands/register-agent.handler';

@Module({
  imports: [TenancyModule, RegistryModule],
  controllers: [AgentsController],
  providers: [AgentsReadModel, RegisterAgentHandler],
  exports: [AgentsReadModel],
})
export class AgentsModule {}
