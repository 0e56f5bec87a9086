import { Module } from '@nestjs/common';
import { RegistryModule } from '../registry/registry.module';
import { TenancyModule } from '../tenancy/tenancy.module';
import { AgentsController } from './agents.controller';
import { AgentsReadModel } from './agents.read-model';
import { ChangeAgentHandler } from './commands/change-agent.handler';
import { RegisterAgentHandler } from './commands/register-agent.handler';
import { RotateAgentKeyHandler } from './commands/rotate-agent-key.handler';

@Module({
  imports: [TenancyModule, RegistryModule],
  controllers: [AgentsController],
  providers: [AgentsReadModel, RegisterAgentHandler, ChangeAgentHandler, RotateAgentKeyHandler],
  exports: [AgentsReadModel],
})
export class AgentsModule {}
