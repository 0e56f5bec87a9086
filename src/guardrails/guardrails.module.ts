import { Module } from '@nestjs/common';
import { GatewayModule } from '../gateway/gateway.module';
import { RegistryModule } from '../registry/registry.module';
import { TenancyModule } from '../tenancy/tenancy.module';
import { ApplyGuardrailSetHandler } from './commands/apply-guardrail-set.handler';
import { GuardrailScanner } from './guardrail-scanner';
import { GuardrailValidator } from './guardrail-validator';
import { GuardrailsController } from './guardrails.controller';
import { GuardrailsGate } from './guardrails.gate';
import { GuardrailsReadModel } from './guardrails.read-model';
import { GuardrailsResultFilter } from './guardrails-result.filter';

/** Content guardrails: detectors on arguments (a gate and a filter) and on results (a filter), rule sets as signed events. */
@Module({
  imports: [TenancyModule, RegistryModule, GatewayModule],
  controllers: [GuardrailsController],
  providers: [GuardrailsReadModel, GuardrailValidator, ApplyGuardrailSetHandler, GuardrailScanner, GuardrailsGate, GuardrailsResultFilter],
})
export class GuardrailsModule {}
