import { Global, Module } from '@nestjs/common';
import { UpstreamModule } from '../upstream/upstream.module';
import { MetricsController } from './metrics.controller';
import { WardenMetrics } from './warden-metrics';

@Global()
@Module({
  imports: [UpstreamModule],
  controllers: [MetricsController],
  providers: [WardenMetrics],
  exports: [WardenMetrics],
})
export class MetricsModule {}
