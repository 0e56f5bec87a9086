import 'reflect-metadata';
import { EVENT_STORE } from '@warden/event-store';
import type { GroupCommitStats } from '@warden/event-store';
import { startGateway } from '../src/bootstrap';
import { loadConfig } from '../src/config/warden-config';
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
      stats: (): GatewayStoreStats => ({ ledger: commitStats(EVENT_STORE) }),
      stop: async () => {
        await gateway.close().catch(() => undefined);
        setImmediate(() => process.exit(0));
        return null;
      },
    },
  };
});
