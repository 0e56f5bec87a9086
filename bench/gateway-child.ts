import 'reflect-metadata';
import { EVENT_STORE } from '@warden/event-store';
import type { GroupCommitStats } from '@warden/event-store';
import { startGateway } from '../src/bootstrap';
import { loadConfig } from '../src/config/warden-config';
import { WardenMetrics } from '../src/metrics/warden-metrics';
import { serveParent } from './support/child-rpc';
import { probeHandlers } from './support/child-probes';

/**
 * The gateway under benchmark, in its own process so that its CPU time is its own. Configured by
 * the usual WARDEN_* environment (the parent sets a fresh data dir, a port, the sync mode).
 * Reports { url, adminKey, orgId, pid } once listening; serves `cpu`, `profileStart/Stop`, `stop`.
 */
export interface GatewayStoreStats {
  /** Group commits of the embedded ledger: events and payloads share one SQLite file and transaction. */
  ledger: GroupCommitStats | null;
  /** Sums and counts of the gateway's own histograms (seconds): where a call's time goes inside it. */
  timings: Record<'decisionCommit' | 'call' | 'upstream', { sum: number; count: number }>;
}

export interface GatewayChildInfo {
  url: string;
  adminKey: string;
  orgId: string;
  pid: number;
  synchronous: string;
}

serveParent(async () => {
  const config = loadConfig(process.env);
  const gateway = await startGateway(config, { logger: ['error', 'warn'] });
  if (!gateway.bootstrap) throw new Error('the benchmark gateway needs a fresh data dir (no bootstrap admin key was minted)');
  const info: GatewayChildInfo = {
    url: gateway.url,
    adminKey: gateway.bootstrap.adminKey,
    orgId: gateway.bootstrap.orgId,
    pid: process.pid,
    synchronous: config.sqliteSynchronous,
  };
  const commitStats = (token: symbol): GroupCommitStats | null => {
    const store = gateway.app.get<unknown>(token, { strict: false }) as { groupCommitStats?: () => GroupCommitStats };
    return typeof store?.groupCommitStats === 'function' ? store.groupCommitStats() : null;
  };
  return {
    info,
    handlers: {
      ...probeHandlers(),
      stats: async (): Promise<GatewayStoreStats> => ({ ledger: commitStats(EVENT_STORE), timings: await timingsOf(gateway.app.get(WardenMetrics, { strict: false })) }),
      stop: async () => {
        await gateway.close().catch(() => undefined);
        setImmediate(() => process.exit(0));
        return null;
      },
    },
  };
});

/** Sum and count of a histogram over all its label sets. */
async function timingsOf(metrics: WardenMetrics): Promise<GatewayStoreStats['timings']> {
  const of = async (name: string) => {
    const metric = metrics.registry.getSingleMetric(name);
    const values = metric ? (await metric.get()).values : [];
    const total = (suffix: string) => values.filter((v) => (v as { metricName?: string }).metricName === `${name}_${suffix}`).reduce((a, v) => a + v.value, 0);
    return { sum: total('sum'), count: total('count') };
  };
  return {
    decisionCommit: await of('warden_ledger_commit_duration_seconds'),
    call: await of('warden_tool_call_duration_seconds'),
    upstream: await of('warden_upstream_duration_seconds'),
  };
}
