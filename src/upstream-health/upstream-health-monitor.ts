import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { WARDEN_CONFIG, type WardenConfig } from '../config/warden-config';
import { AggregateStore } from '../ledger/aggregate-store';
import { discoverTools, discoverToolsPooled, withDigests } from '../registry/discover-tools';
import { upstreamTargetOf } from '../registry/server-endpoint';
import { healthVerdict } from '../registry/health-verdict';
import { serverStream, type ServerHealthStatus } from '../registry/registry.events';
import { serverDecider } from '../registry/server.decider';
import { ServersReadModel, type RegisteredServer } from '../registry/servers.read-model';
import { UpstreamPool } from '../upstream/upstream-pool';

export interface HealthCheckResult {
  status: ServerHealthStatus;
  reason: string | null;
  /** The status differs from the one recorded before (a ServerHealthChanged was appended). */
  changed: boolean;
  /** Tools the check found (healthy only). */
  tools?: number;
}

const ACTOR = { kind: 'system' as const, id: 'upstream-health-check' };

/**
 * Health of every registered upstream: on a schedule (WARDEN_HEALTH_INTERVAL_MS; 0 = off) and on
 * demand, a check connects through the egress guard on a fresh session and lists the tools. A
 * status that differs from the recorded one is appended (ServerHealthChanged); the pool fails
 * calls to an unhealthy server at once (UPSTREAM.UNHEALTHY) until a check finds it healthy again.
 * A server that becomes healthy after being unhealthy (or registered while down) is discovered
 * again from the list the check just read: new tools enter review as at registration.
 * One check per server at a time; a second asker shares the running one.
 */
@Injectable()
export class UpstreamHealthMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('UpstreamHealth');
  private readonly running = new Map<string, Promise<HealthCheckResult>>();
  private timer?: NodeJS.Timeout;
  private round?: Promise<void>;
  private stopped = false;

  constructor(
    @Inject(WARDEN_CONFIG) private readonly config: WardenConfig,
    private readonly servers: ServersReadModel,
    private readonly upstreams: UpstreamPool,
    private readonly aggregates: AggregateStore,
  ) {}

  onApplicationBootstrap(): void {
    // The pool's gate follows the recorded health: as replayed at start, and as it changes.
    for (const server of this.servers.allForSystem()) this.gate(server);
    this.servers.onHealthChanged((server) => this.gate(server));
    if (this.config.healthIntervalMs > 0) {
      this.timer = setInterval(() => {
        if (!this.round) this.round = this.checkAll().finally(() => (this.round = undefined));
      }, this.config.healthIntervalMs);
      this.timer.unref();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.round?.catch(() => undefined);
  }

  /** Checks one server now (the API's POST /v1/servers/:id/health, and each scheduled round). */
  check(server: RegisteredServer): Promise<HealthCheckResult> {
    let running = this.running.get(server.serverId);
    if (!running) {
      running = this.run(server).finally(() => this.running.delete(server.serverId));
      this.running.set(server.serverId, running);
    }
    return running;
  }

  private async checkAll(): Promise<void> {
    for (const server of this.servers.allForSystem()) {
      if (this.stopped) return;
      await this.check(server).catch((error: unknown) => this.logger.warn(`health check of ${server.serverId} could not be recorded: ${error instanceof Error ? error.name : 'error'}`));
    }
  }

  private async run(server: RegisteredServer): Promise<HealthCheckResult> {
    const before = server.health.status;
    let verdict: { status: ServerHealthStatus; reason: string | null };
    let tools: Awaited<ReturnType<typeof discoverTools>>['tools'] | undefined;
    try {
      // A stdio server is checked on its pooled child (one child per server), an http one on a fresh session.
      tools = (server.stdio ? await discoverToolsPooled(this.upstreams, upstreamTargetOf(server)) : await discoverTools(this.upstreams, new URL(server.url), this.upstreams.credentialsFor(server.serverId, server.url))).tools;
      verdict = { status: 'healthy', reason: null };
    } catch (error) {
      verdict = healthVerdict(error);
    }
    const options = { stream: serverStream(server.serverId), org: server.orgId, actor: ACTOR };
    const appended = await this.aggregates.handle(serverDecider, { type: 'RecordHealth', status: verdict.status, reason: verdict.reason ?? 'HEALTH.CHECK_PASSED' }, options);
    const changed = (appended?.envelopes.length ?? 0) > 0;
    if (changed) {
      const line = `upstream ${server.serverId} (${server.slug}): ${before} → ${verdict.status}${verdict.reason ? ` (${verdict.reason})` : ''}`;
      if (verdict.status === 'healthy') this.logger.log(line);
      else this.logger.warn(line);
    }
    if (tools && before !== 'healthy') {
      await this.aggregates.handle(serverDecider, { type: 'RediscoverTools', tools: withDigests(tools) }, options);
    }
    this.upstreams.setHealth(server.serverId, verdict.status, verdict.reason ?? '');
    return { status: verdict.status, reason: verdict.reason, changed, ...(tools ? { tools: tools.length } : {}) };
  }

  private gate(server: RegisteredServer): void {
    this.upstreams.setHealth(server.serverId, server.health.status, server.health.reason ?? '');
  }
}
