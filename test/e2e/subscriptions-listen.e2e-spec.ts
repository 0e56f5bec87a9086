import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { ListenStreams } from '../../src/gateway/relay/listen-streams';
import { NOTES_INDEX_URI } from '../fixtures/content-fixture';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { startModernMcpServer } from '../fixtures/modern-mcp-server';
import type { FixtureMcpServer } from '../fixtures/fixture-mcp-server';
import { startHarness, type Harness } from './support/gateway-harness';

const OTHER_URI = 'notes://other';

/** Waits, on the event loop (no clock), until `done()` holds; jest's timeout bounds it. */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * `subscriptions/listen` for 2026-07-28 agents (issue 18): the real 2.x client's `listen()` gets
 * the acknowledgement of what warden honours, then tool list changes (warden's approvals) and,
 * from a 2025 upstream's standalone stream, resource / prompt list changes and the updates of the
 * resources it listed (each URI gated like resources/subscribe and held upstream while it listens).
 */
describe('subscriptions/listen through the gateway', () => {
  let h: Harness;
  let agentKey: string;
  let upstream: LegacyMcpServer;
  let modern: FixtureMcpServer;
  let subsId: string;

  const connect = async (path: string) => {
    const client = new ModernClient({ name: 'modern-listener', version: '2.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    const heard: string[] = [];
    client.setNotificationHandler('notifications/resources/updated', (n) => void heard.push(`updated ${n.params.uri}`));
    client.setNotificationHandler('notifications/resources/list_changed', () => void heard.push('resources changed'));
    client.setNotificationHandler('notifications/prompts/list_changed', () => void heard.push('prompts changed'));
    client.setNotificationHandler('notifications/tools/list_changed', () => void heard.push('tools changed'));
    await client.connect(new ModernTransport(new URL(`${h.url}${path}`), { requestInit: { headers: { authorization: `Bearer ${agentKey}` } } }));
    return { client, heard };
  };

  const rpcUris = (method: string) => upstream.requests.withRpcMethod(method).map((r) => (r.body as { params: { uri: string } }).params.uri);

  beforeAll(async () => {
    h = await startHarness();
    upstream = await startLegacyMcpServer({ withSubscriptions: true });
    subsId = (await h.api.registerServer('Subs', 'subs', upstream.url)).serverId;
    await h.api.approve(subsId, 'touch', 'read');
    await h.api.approve(subsId, 'reshuffle', 'read');
    modern = await startModernMcpServer({ legacy: 'reject' });
    await h.api.registerServer('Modern', 'modern', modern.url);
    agentKey = (await h.api.registerAgent('modern-listener')).apiKey;
  });

  afterAll(async () => {
    await h.cleanup();
    await upstream.close();
    await modern.close();
  });

  it('advertises tools, resources and prompts listChanged and resource subscribe to a 2026-07-28 agent on a 2025 upstream', async () => {
    const { client } = await connect('/mcp/subs');
    try {
      expect(client.getServerCapabilities()).toMatchObject({ tools: { listChanged: true }, resources: { subscribe: true, listChanged: true }, prompts: { listChanged: true } });
    } finally {
      await client.close();
    }
  });

  it('acknowledges what it honours and then relays updates, list changes and warden’s own tool list changes on the stream', async () => {
    const { client, heard } = await connect('/mcp/subs');
    const subscription = await client.listen({ toolsListChanged: true, resourcesListChanged: true, promptsListChanged: true, resourceSubscriptions: [NOTES_INDEX_URI] });
    try {
      expect(subscription.honoredFilter).toEqual({ toolsListChanged: true, resourcesListChanged: true, promptsListChanged: true, resourceSubscriptions: [NOTES_INDEX_URI] });
      expect(rpcUris('resources/subscribe')).toEqual([NOTES_INDEX_URI]);
      await client.callTool({ name: 'touch', arguments: { uri: OTHER_URI } });
      await client.callTool({ name: 'touch', arguments: { uri: NOTES_INDEX_URI } });
      await until(() => heard.length >= 1);
      // In the upstream's order: an update of a URI it did not list would have come first.
      expect(heard).toEqual([`updated ${NOTES_INDEX_URI}`]);
      await client.callTool({ name: 'reshuffle', arguments: {} });
      await until(() => heard.length >= 3);
      await h.api.approve(subsId, 'echo', 'read');
      await until(() => heard.length >= 4);
      expect(heard).toEqual([`updated ${NOTES_INDEX_URI}`, 'resources changed', 'prompts changed', 'tools changed']);
    } finally {
      // client.close() aborts the listen stream. (subscription.close() does too, and leaves a
      // connection that sends no request: gateway-shutdown.e2e-spec.ts, docs/mcp-wire-notes.md §8.)
      await client.close();
    }
    // Closing the stream ends the listener and lets the upstream subscription go.
    const listens = h.gateway.app.get(ListenStreams);
    await until(() => listens.open() === 0 && rpcUris('resources/unsubscribe').length === 1);
    expect(rpcUris('resources/unsubscribe')).toEqual([NOTES_INDEX_URI]);
  });

  it('honours tool list changes only on the aggregated endpoint, and no resource subscriptions on a 2026-07-28 upstream (its list changes: upstream-listen.e2e-spec.ts)', async () => {
    for (const [path, honoured] of [
      ['/mcp', { toolsListChanged: true }],
      ['/mcp/modern', { toolsListChanged: true, resourcesListChanged: true }],
    ] as const) {
      const { client } = await connect(path);
      const subscription = await client.listen({ toolsListChanged: true, resourcesListChanged: true, resourceSubscriptions: [NOTES_INDEX_URI] });
      try {
        expect(subscription.honoredFilter).toEqual(honoured);
      } finally {
        await client.close();
      }
    }
  });

  it('leaves out of the acknowledgement a URI a policy rule refuses, and never asks the upstream for it', async () => {
    const applied = await h.api.request('PUT', '/v1/policies?baseVersion=0', {
      defaults: { read: 'allow', write: 'allow', destructive: 'deny' },
      rules: [{ id: 'no-index-watch', methods: ['resources/subscribe'], when: `mcp.resource.uri == "${NOTES_INDEX_URI}"`, decision: 'deny' }],
    });
    expect(applied.status).toBe(200);
    const before = rpcUris('resources/subscribe').length;
    const { client } = await connect('/mcp/subs');
    const subscription = await client.listen({ resourceSubscriptions: [NOTES_INDEX_URI, OTHER_URI] });
    try {
      expect(subscription.honoredFilter).toEqual({ resourceSubscriptions: [OTHER_URI] });
      expect(rpcUris('resources/subscribe').slice(before)).toEqual([OTHER_URI]);
    } finally {
      await client.close();
    }
  });
});
