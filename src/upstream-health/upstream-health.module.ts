import { Module } from '@nestjs/common';
import { RegistryModule } from '../registry/registry.module';
import { TenancyModule } from '../tenancy/tenancy.module';
import { UpstreamModule } from '../upstream/upstream.module';
import { ServerHealthController } from './server-health.controller';
import { UpstreamHealthMonitor } from './upstream-health-monitor';

@Module({
  imports: [TenancyModule, RegistryModule, UpstreamModule],
  controllers: [ServerHealthController],
  providers: [UpstreamHealthMonitor],
  exports: [UpstreamHealthMonitor],
})
export class UpstreamHealthModule {}
