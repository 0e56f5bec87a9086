import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { GatewayModule } from '../gateway/gateway.module';
import { RegistryModule } from '../registry/registry.module';
import { TenancyModule } from '../tenancy/tenancy.module';
import { TrustModule } from '../trust/trust.module';
import { ApplyPolicySetHandler } from './commands/apply-policy-set.handler';
import { PoliciesController } from './policies.controller';
import { PoliciesReadModel } from './policies.read-model';
import { PolicyGate } from './policy.gate';
import { PolicySimulator } from './policy-simulator';
import { PolicyValidator } from './policy-validator';

/** The policy gate (risk-class defaults and CEL rules per organisation) and policies as code. */
@Module({
  imports: [TenancyModule, AgentsModule, RegistryModule, GatewayModule, TrustModule],
  controllers: [PoliciesController],
  providers: [PoliciesReadModel, PolicyValidator, PolicySimulator, ApplyPolicySetHandler, PolicyGate],
})
export class PolicyModule {}
