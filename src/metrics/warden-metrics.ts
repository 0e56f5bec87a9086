import { Inject, Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@warden/ledger';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { WARDEN_CONFIG, type WardenConfig } from '../config/warden-config';
import { ReadModelProjector } from '../ledger/read-model-projector';
import type { Projection } from '../ledger/projection';
import { UpstreamPool } from '../upstream/upstream-pool';

/** How a governed call ended, for `warden_tool_calls_total`. */
export type CallOutcome = 'completed' | 'error_result' | 'failed' | 'denied';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const COMMIT_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5];

/**
 * The gateway's Prometheus metrics, on a registry of its own. Labels are bounded and never carry
 * a secret or an argument: server ids, registered tool names (`(unknown)` for a name that is not
 * one), decisions and error codes. Pool figures are read from the pool at scrape time.
 *
 * It is also a projection (no streams of its own: it sees the events the read models read) so
 * that the projection lag — how long after it was signed an event was applied — is measured
 * where it happens. Events from before this process started (the replay) are not lag.
 */
@Injectable()
export class WardenMetrics implements Projection {
  readonly name = 'metrics';
  readonly streamPrefixes: readonly string[] = [];
  readonly observesAll = true;
  readonly registry = new Registry();
  private readonly since = Date.now();

  private readonly calls = new Counter({ name: 'warden_tool_calls_total', help: 'Governed tools/call requests by server, tool, outcome and code', labelNames: ['server', 'tool', 'outcome', 'code'], registers: [this.registry] });
  private readonly decisions = new Counter({ name: 'warden_decisions_total', help: 'Gate decisions by decision and the deciding code', labelNames: ['decision', 'code'], registers: [this.registry] });
  private readonly callSeconds = new Histogram({ name: 'warden_tool_call_duration_seconds', help: 'Governed tools/call latency, end to end, by server and tool', labelNames: ['server', 'tool'], buckets: LATENCY_BUCKETS, registers: [this.registry] });
  private readonly upstreamSeconds = new Histogram({ name: 'warden_upstream_duration_seconds', help: 'Time the upstream took to answer a forwarded tools/call, by server and tool', labelNames: ['server', 'tool'], buckets: LATENCY_BUCKETS, registers: [this.registry] });
  private readonly commitSeconds = new Histogram({ name: 'warden_ledger_commit_duration_seconds', help: 'Time for a call decision to be durable in the ledger before forwarding', buckets: COMMIT_BUCKETS, registers: [this.registry] });
  private readonly tokenRequests = new Counter({
    name: 'warden_oauth_token_requests_total',
    help: 'Token requests warden made for upstream credentials, by server, grant (client_credentials, refresh_token, token_exchange) and outcome (issued; rotated: issued with a new refresh token; refused: UPSTREAM.UNAUTHORIZED, e.g. a revoked grant; failed)',
    labelNames: ['server', 'grant', 'outcome'],
    registers: [this.registry],
  });
  private readonly throttledRequests = new Counter({ name: 'warden_requests_throttled_total', help: 'Requests answered 429 LIMIT.SOURCE_THROTTLED (their address caused too many rejected requests), by surface (mcp, api)', labelNames: ['surface'], registers: [this.registry] });
  private readonly projectionLag = new Gauge({ name: 'warden_projection_lag_seconds', help: 'How long after it was signed the last event was applied to the read models', registers: [this.registry] });
  private readonly projectionPosition = new Gauge({ name: 'warden_projection_position', help: 'Global position of the last event applied to the read models', registers: [this.registry] });

  constructor(
    @Inject(WARDEN_CONFIG) config: WardenConfig,
    projector: ReadModelProjector,
    upstreams: UpstreamPool,
  ) {
    projector.register(this);
    const pool = (name: string, help: string, read: (t: ReturnType<UpstreamPool['telemetry']>, serverId: string) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['server'],
        registers: [this.registry],
        collect() {
          this.reset();
          const now = Date.now();
          for (const [serverId, telemetry] of upstreams.allTelemetry(now)) this.set({ server: serverId }, read(telemetry, serverId));
        },
      });
    pool('warden_pool_active_requests', 'Requests in flight on the pooled upstream session', (t) => t.active);
    pool('warden_pool_waiting_requests', 'Requests waiting for a slot on the pooled upstream session', (t) => t.waiters);
    pool('warden_pool_saturation', 'Active requests over the session limit (0..1)', (t) => t.saturation);
    pool('warden_pool_saturation_alert', `1 while the pooled session is at or above the alert threshold (WARDEN_POOL_SATURATION_ALERT=${config.poolSaturationAlert})`, (_t, id) => (upstreams.saturated(id) ? 1 : 0));
    pool('warden_pool_session_open', '1 while a pooled session is connected', (t) => (t.state === 'open' ? 1 : 0));
    pool('warden_pool_session_age_seconds', 'Age of the pooled session', (t) => t.ageMs / 1000);
    pool('warden_pool_idle_seconds', 'Time since the pooled session last finished a request', (t) => t.idleMs / 1000);
    pool('warden_pool_reconnects', 'Sessions reopened after the first (counter-like: since start)', (t) => t.reconnects);
    pool('warden_pool_stream_resumptions', 'Response streams resumed with Last-Event-ID (counter-like: since start)', (t) => t.resumptions);
  }

  apply(event: EventEnvelope, position: number): void {
    this.projectionPosition.set(position);
    const signed = Date.parse(event.at);
    if (Number.isFinite(signed) && signed >= this.since) this.projectionLag.set(Math.max(0, (Date.now() - signed) / 1000));
  }

  decided(decision: string, code: string | undefined, commitSeconds: number): void {
    this.decisions.inc({ decision, code: code ?? 'none' });
    this.commitSeconds.observe(commitSeconds);
  }

  finished(server: string, tool: string, outcome: CallOutcome, code: string, seconds: number, upstreamSeconds?: number): void {
    this.calls.inc({ server, tool, outcome, code });
    if (outcome === 'denied') return;
    this.callSeconds.observe({ server, tool }, seconds);
    if (upstreamSeconds !== undefined) this.upstreamSeconds.observe({ server, tool }, upstreamSeconds);
  }

  /** A token request for an upstream's credential, and how it ended (see warden_oauth_token_requests_total). */
  tokenRequested(server: string, grant: string, outcome: string): void {
    this.tokenRequests.inc({ server, grant, outcome });
  }

  /** A request refused by the per-source throttle, before any other work. */
  throttled(surface: 'mcp' | 'api'): void {
    this.throttledRequests.inc({ surface });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
