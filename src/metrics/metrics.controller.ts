import { Controller, Get, Header, Inject, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { WARDEN_CONFIG, type WardenConfig } from '../config/warden-config';
import { Public } from '../identity/route-access';
import { checkMetricsAccess } from './metrics-access';
import { WardenMetrics } from './warden-metrics';

/** Prometheus exposition format at GET /metrics (who may read it: metrics-access.ts). */
@ApiExcludeController()
@Public() // not the people's API: loopback only, or WARDEN_METRICS_TOKEN (checkMetricsAccess)
@Controller('metrics')
export class MetricsController {
  constructor(
    @Inject(WARDEN_CONFIG) private readonly config: WardenConfig,
    private readonly metrics: WardenMetrics,
  ) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('cache-control', 'no-store')
  async scrape(@Req() req: FastifyRequest): Promise<string> {
    checkMetricsAccess(this.config.metricsToken, req.socket.remoteAddress, req.headers.authorization);
    return this.metrics.text();
  }
}
