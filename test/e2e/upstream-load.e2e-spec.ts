import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { AdminApi, freePort } from './support/gateway-harness';
import { startGatewayProcess, type GatewayProcess } from './support/gateway-process';
import { modernHeaders, modernMeta, rawPost } from './support/raw-mcp';

/**
 * Regression: under concurrent calls the pooled upstream session piled up abort listeners on the
 * SDK transport's long-lived signal (Node 20's fetch keeps one per request until GC), and the
 * gateway printed a MaxListenersExceededWarning per request. Run as a process so its stderr shows
 * what Node itself reports.
 */
describe('the pooled upstream session under concurrent load', () => {
  let dataDir: string;
  let upstream: LegacyMcpServer;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'warden-load-'));
    upstream = await startLegacyMcpServer();
    gateway = await startGatewayProcess({ WARDEN_DATA_DIR: dataDir, WARDEN_PORT: String(await freePort()), WARDEN_SQLITE_SYNCHRONOUS: 'NORMAL' });
  }, 30_000);

  afterAll(async () => {
    await gateway?.stop();
    await upstream.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('makes 2,400 calls, 16 at a time, without leaking listeners', async () => {
    const adminKey = /bootstrap admin API key[^:]*: (wdn_admin_\S+)/.exec(gateway.output())![1];
    const api = new AdminApi(gateway.url, adminKey);
    const server = await api.registerServer('Notes', 'notes', upstream.url);
    await api.approve(server.serverId, 'echo', 'read');
    const headers = { authorization: `Bearer ${(await api.registerAgent('load')).apiKey}`, ...modernHeaders('tools/call', 'echo') };
    let failures = 0;
    for (let round = 0; round < 150; round++) {
      await Promise.all(
        Array.from({ length: 16 }, async (_, j) => {
          const id = round * 16 + j;
          const res = await rawPost(`${gateway.url}/mcp/notes`, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { id }, _meta: modernMeta } }, headers);
          if (res.status !== 200 || res.body.error) failures++;
        }),
      );
    }
    expect(failures).toBe(0);
    expect(gateway.output()).not.toContain('MaxListenersExceededWarning');
  }, 120_000);
});
