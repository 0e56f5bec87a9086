import { createServer } from 'node:net';
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { startLegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { startHarness, type Harness } from './support/gateway-harness';
import { modernHeaders, modernMeta } from './support/raw-mcp';
import { until } from './support/until';

/** Whether a server can listen on 127.0.0.1:port now (the gateway let it go). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/**
 * Gateway shutdown does not wait for connections that carry no request: the SDK 2.x (2.4.0)
 * `McpSubscription.close()` leaves one open (docs/mcp-wire-notes.md §8), and Node's
 * `server.close()` would wait for it until its headers timeout (~70 s). Jest's timeout below is the
 * generous bound; the test asserts that the gateway stops and frees its port.
 */
describe('gateway shutdown', () => {
  let h: Harness;

  afterAll(() => h?.cleanup());

  it('stops, and frees its port, after an SDK 2.x agent closed a subscriptions/listen stream with subscription.close()', async () => {
    h = await startHarness();
    const agentKey = (await h.api.registerAgent('listener')).apiKey;
    const client = new ModernClient({ name: 'listener', version: '2.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(new ModernTransport(new URL(`${h.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${agentKey}` } } }));
    const subscription = await client.listen({ toolsListChanged: true });
    expect(subscription.honoredFilter).toEqual({ toolsListChanged: true });
    await subscription.close();
    const port = Number(new URL(h.url).port);
    await h.stop();
    expect(await portIsFree(port)).toBe(true);
    await client.close();
  }, 30_000);

  it('still answers a call in flight when it stops, then stops', async () => {
    const upstream = await startLegacyMcpServer();
    const gateway = await startHarness();
    try {
      const server = await gateway.api.registerServer('slow', 'slow', upstream.url);
      await gateway.api.approve(server.serverId, 'slow', 'read');
      const agentKey = (await gateway.api.registerAgent('caller')).apiKey;
      const call = fetch(`${gateway.url}/mcp/slow`, {
        method: 'POST',
        headers: { authorization: `Bearer ${agentKey}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...modernHeaders('tools/call', 'slow') },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'slow', arguments: { ms: 300 }, _meta: modernMeta } }),
      }).then(async (res) => ({ status: res.status, body: await res.json() }));
      await until(() => upstream.requests.withRpcMethod('tools/call').length > 0);
      const port = Number(new URL(gateway.url).port);
      await gateway.stop();
      expect(await call).toMatchObject({ status: 200, body: { id: 1, result: { content: [{ type: 'text', text: 'slept 300ms' }] } } });
      expect(await portIsFree(port)).toBe(true);
    } finally {
      await gateway.cleanup();
      await upstream.close();
    }
  }, 30_000);
});
