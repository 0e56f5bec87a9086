import { Module } from '@nestjs/common';
import { GatewayModule } from '../gateway/gateway.module';
import { ApplyLimitSetHandler } from './commands/apply-limit-set.handler';
import { CostLedger } from './cost-ledger';
import { LimitCounters } from './limit-counters';
import { LimitSetsReadModel } from './limit-sets.read-model';
import { LimitsController } from './limits.controller';
import { RateLimitGate } from './rate-limit.gate';
import { SourceThrottle } from './source-throttle/source-throttle';
import { SpendCapGate } from './spend-cap.gate';

/** Rate limits and spend caps (gates), their counts (a projection of the calls streams) and cost attribution. */
@Module({
  imports: [GatewayModule],
  controllers: [LimitsController],
  providers: [LimitSetsReadModel, CostLedger, LimitCounters, ApplyLimitSetHandler, RateLimitGate, SpendCapGate, SourceThrottle],
  exports: [SourceThrottle],
})
export class LimitsModule {}
