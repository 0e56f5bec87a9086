import { Module } from '@nestjs/common';
import { AgentsModule } from '../../agents/agents.module';
import { RegistryModule } from '../../registry/registry.module';
import { TenancyModule } from '../../tenancy/tenancy.module';
import { AgentKeyGuard } from './agent-key.guard';
import { AgentTokensController } from './agent-tokens.controller';
import { CapabilityTokens } from './capability-tokens';
import { CapabilityTokensReadModel } from './capability-tokens.read-model';
import { IssueCapabilityTokenHandler } from './commands/issue-capability-token.handler';
import { RevokeCapabilityTokenHandler } from './commands/revoke-capability-token.handler';
import { TokensController } from './tokens.controller';

/** Capability tokens for agents at /mcp: minting, revocation, verification. */
@Module({
  imports: [TenancyModule, AgentsModule, RegistryModule],
  controllers: [TokensController, AgentTokensController],
  providers: [CapabilityTokensReadModel, CapabilityTokens, IssueCapabilityTokenHandler, RevokeCapabilityTokenHandler, AgentKeyGuard],
  exports: [CapabilityTokens],
})
export class TokensModule {}
