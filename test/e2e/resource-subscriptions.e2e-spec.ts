import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { PromptListChangedNotificationSchema, ResourceListChangedNotificationSchema, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { SessionChannel } from '../../src/gateway/edge/session-channel';
import { NOTES_INDEX_URI } from '../fixtures/content-fixture';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { eventsOfType } from './support/ledger-reader';
import { modernHeaders, modernMeta, rawPost } from './support/raw-mcp';
import { startHarness, type Harness } from './support/gateway-harness';
import { Received } from './support/received';

const OTHER_URI = 'notes://other';

/**
 * Resource subscriptions through `/mcp/<slug>` (issue 18): `resources/subscribe` / `unsubscribe`
 * gated like `resources/read`, held per agent session (the upstream asked once per URI on the
 * pooled session), `notifications/resources/updated` routed to the subscribed sessions only, and
 * resource / prompt `list_changed` relayed to every session of the endpoint; `subscribe` and
 * `listChanged` advertised to 2025 agents when the upstream offers them.
 */
describe('resource subscriptions and list changes through the gateway', () => {
  let h: Harness;
  let upstream: LegacyMcpServer;
  const keys: Record<string, string> = {};
  const open: Array<() => Promise<void>> = [];

  const agent = async (name: string) => {
    const client = new Client({ name, version: '1.0.0' });
    const received = new Received();
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => received.push(`updated ${n.params.uri}`));
    client.setNotificationHandler(ResourceListChangedNotificationSchema, () => received.push('resources changed'));
    client.setNotificationHandler(PromptListChangedNotificationSchema, () => received.push('prompts changed'));
    const transport = new StreamableHTTPClientTransport(new URL(`${h.url}/mcp/subs`), { requestInit: { headers: { authorization: `Bearer ${keys[name]}` } } });
    await client.connect(transport);
    // The standalone stream is open once warden has a stream for the session: wait for it (a notification sent before would be lost).
    await waitForStreams(open.length + 1);
    const close = async () => void (await transport.terminateSession().catch(() => undefined), await client.close());
    open.push(close);
    return { client, received, close };
  };

  const waitForStreams = async (count: number) => {
    // The edge's own count of open session streams (no timing: polled on the event loop).
    const channel = h.gateway.app.get(SessionChannel);
    while (channel.openStreams() < count) await new Promise((resolve) => setImmediate(resolve));
  };

  const subscribes = (method: string) => upstream.requests.withRpcMethod(method).map((r) => (r.body as { params: { uri: string } }).params.uri);

  beforeAll(async () => {
    h = await startHarness();
    upstream = await startLegacyMcpServer({ withSubscriptions: true });
    const server = await h.api.registerServer('Subs', 'subs', upstream.url);
    await h.api.approve(server.serverId, 'touch', 'read');
    await h.api.approve(server.serverId, 'reshuffle', 'read');
    for (const name of ['alice', 'bob']) keys[name] = (await h.api.registerAgent(name)).apiKey;
  });

  afterAll(async () => {
    await Promise.all(open.map((close) => close().catch(() => undefined)));
    await h.cleanup();
    await upstream.close();
  });

  it('advertises subscribe and listChanged for resources, listChanged for prompts, as the upstream offers them', async () => {
    const alice = await agent('alice');
    expect(alice.client.getServerCapabilities()).toMatchObject({ resources: { subscribe: true, listChanged: true }, prompts: { listChanged: true } });
  });

  it('routes resources/updated to the subscribed sessions only, and asks the upstream once per URI', async () => {
    const [alice, bob, carol] = [await agent('alice'), await agent('bob'), await agent('alice')];
    await alice.client.subscribeResource({ uri: NOTES_INDEX_URI });
    await carol.client.subscribeResource({ uri: NOTES_INDEX_URI });
    await bob.client.subscribeResource({ uri: OTHER_URI });
    // Two sessions on the pooled upstream session hold the index: the upstream was asked once.
    expect(subscribes('resources/subscribe')).toEqual([NOTES_INDEX_URI, OTHER_URI]);

    await alice.client.callTool({ name: 'touch', arguments: { uri: NOTES_INDEX_URI } });
    await alice.client.callTool({ name: 'touch', arguments: { uri: OTHER_URI } });
    await Promise.all([alice.received.atLeast(1), carol.received.atLeast(1), bob.received.atLeast(1)]);
    // Relayed in the upstream's order: had bob been sent the index's update, it would come first.
    expect(bob.received.all).toEqual([`updated ${OTHER_URI}`]);
    await alice.client.callTool({ name: 'touch', arguments: { uri: NOTES_INDEX_URI } });
    await Promise.all([alice.received.atLeast(2), carol.received.atLeast(2)]);
    expect(alice.received.all).toEqual([`updated ${NOTES_INDEX_URI}`, `updated ${NOTES_INDEX_URI}`]);
    expect(carol.received.all).toEqual([`updated ${NOTES_INDEX_URI}`, `updated ${NOTES_INDEX_URI}`]);

    // The upstream is told to unsubscribe when the last session holding the URI leaves.
    await alice.client.unsubscribeResource({ uri: NOTES_INDEX_URI });
    expect(subscribes('resources/unsubscribe')).toEqual([]);
    await carol.client.unsubscribeResource({ uri: NOTES_INDEX_URI });
    expect(subscribes('resources/unsubscribe')).toEqual([NOTES_INDEX_URI]);
    await alice.client.callTool({ name: 'touch', arguments: { uri: NOTES_INDEX_URI } });
    await bob.client.callTool({ name: 'touch', arguments: { uri: OTHER_URI } });
    await bob.received.atLeast(2);
    expect(bob.received.all).toEqual([`updated ${OTHER_URI}`, `updated ${OTHER_URI}`]);
  });

  it('relays resource and prompt list_changed to every session of the endpoint', async () => {
    const [alice, bob] = [await agent('alice'), await agent('bob')];
    await alice.client.callTool({ name: 'reshuffle', arguments: {} });
    await Promise.all([alice.received.atLeast(2), bob.received.atLeast(2)]);
    expect(alice.received.all).toEqual(['resources changed', 'prompts changed']);
    expect(bob.received.all).toEqual(['resources changed', 'prompts changed']);
  });

  it('answers resources/subscribe from a 2026-07-28 agent 404 / method not found (gone in its revision)', async () => {
    const response = await rawPost(`${h.url}/mcp/subs`, { jsonrpc: '2.0', id: 4, method: 'resources/subscribe', params: { uri: NOTES_INDEX_URI, _meta: modernMeta } }, {
      ...modernHeaders('resources/subscribe'),
      authorization: `Bearer ${keys.alice}`,
    });
    expect(response.status).toBe(404);
    expect(response.body.error).toMatchObject({ code: -32601, data: { reason: 'EDGE.METHOD_NOT_FOUND' } });
  });

  it('refuses a subscription without a uri (-32602), and one a policy rule denies by URI (recorded, never forwarded)', async () => {
    const alice = await agent('alice');
    await expect(alice.client.request({ method: 'resources/subscribe', params: {} } as never, ResourceUpdatedNotificationSchema.shape.params as never)).rejects.toMatchObject({
      code: -32602,
      data: { reason: 'EDGE.INVALID_PARAMS' },
    });
    const applied = await h.api.request('PUT', '/v1/policies?baseVersion=0', {
      defaults: { read: 'allow', write: 'allow', destructive: 'deny' },
      rules: [{ id: 'no-index-watch', methods: ['resources/subscribe'], when: `mcp.resource.uri == "${NOTES_INDEX_URI}"`, decision: 'deny' }],
    });
    expect(applied.status).toBe(200);
    const before = subscribes('resources/subscribe').length;
    await expect(alice.client.subscribeResource({ uri: NOTES_INDEX_URI })).rejects.toMatchObject({ data: expect.objectContaining({ reason: 'POLICY.RULE_MATCHED', rules: ['no-index-watch'] }) });
    expect(subscribes('resources/subscribe')).toHaveLength(before);
    // Not held either: an update of the index does not reach the session.
    await alice.client.subscribeResource({ uri: OTHER_URI });
    await alice.client.callTool({ name: 'touch', arguments: { uri: NOTES_INDEX_URI } });
    await alice.client.callTool({ name: 'touch', arguments: { uri: OTHER_URI } });
    await alice.received.atLeast(1);
    expect(alice.received.all).toEqual([`updated ${OTHER_URI}`]);
    await h.settled();
    const refused = eventsOfType(h.dataDir, 'McpRequestRelayed').filter((e) => e.data.method === 'resources/subscribe');
    expect(refused.map((e) => e.data)).toContainEqual(expect.objectContaining({ decision: 'deny', target: NOTES_INDEX_URI, rules: ['no-index-watch'] }));
  });
});
