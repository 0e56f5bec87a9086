import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { SessionChannel } from '../../src/gateway/edge/session-channel';
import { NOTES_INDEX_URI } from '../fixtures/content-fixture';
import { STDIO_FIXTURE_JS } from '../fixtures/stdio-mcp-server';
import { eventsOfType } from './support/ledger-reader';
import { startHarness, type Harness } from './support/gateway-harness';
import { ROOT } from './support/gateway-process';
import { Received } from './support/received';

const FIXTURE_JS = join(ROOT, 'dist', 'test', 'fixtures', basename(STDIO_FIXTURE_JS));

/**
 * A stdio upstream's notifications outside any call (sent after the call was answered) reach the
 * 2025 agents of its endpoint on their standalone streams as a remote upstream's do: log messages
 * filtered by each session's logging level (upstream-logging.e2e-spec.ts), resource updates to the
 * sessions subscribed to the URI only (resource-subscriptions.e2e-spec.ts). A log message sent
 * while the one call in flight is worked on is that call's: its agent's only, recorded with it.
 */
describe('a stdio upstream’s notifications outside any call', () => {
  let h: Harness;
  let agentKey: string;
  const open: Array<() => Promise<void>> = [];

  const agent = async () => {
    const client = new Client({ name: 'stdio-listener', version: '1.0.0' });
    const received = new Received();
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => received.push(`${n.params.level} ${String(n.params.data)}`));
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => received.push(`updated ${n.params.uri}`));
    const transport = new StreamableHTTPClientTransport(new URL(`${h.url}/mcp/quiet`), { requestInit: { headers: { authorization: `Bearer ${agentKey}` } } });
    await client.connect(transport);
    // The standalone stream is open once warden counts it (a notification sent before would be lost).
    const channel = h.gateway.app.get(SessionChannel);
    while (channel.openStreams() < open.length + 1) await new Promise((resolve) => setImmediate(resolve));
    open.push(async () => void (await transport.terminateSession().catch(() => undefined), await client.close()));
    return { client, received };
  };

  beforeAll(async () => {
    if (!existsSync(FIXTURE_JS)) throw new Error(`${FIXTURE_JS} is missing: run \`npm run build\` first (npm test does)`);
    h = await startHarness();
    const res = await h.api.request('POST', '/v1/servers', { name: 'Quiet', slug: 'quiet', transport: 'stdio', command: process.execPath, args: [FIXTURE_JS] });
    expect(res.status).toBe(201);
    for (const tool of ['log_later', 'log_now', 'touch_later']) await h.api.approve(res.body.serverId, tool, 'read');
    agentKey = (await h.api.registerAgent('stdio-listener')).apiKey;
  });

  afterAll(async () => {
    await Promise.all(open.map((close) => close().catch(() => undefined)));
    await h?.cleanup();
  });

  it('relays a log message sent after the call to every 2025 session of the endpoint, filtered by its level', async () => {
    const [alice, bob] = [await agent(), await agent()];
    expect(alice.client.getServerCapabilities()?.logging).toEqual({});
    await bob.client.setLoggingLevel('error');
    expect((await alice.client.callTool({ name: 'log_later', arguments: { text: 'one' } })).content).toEqual([{ type: 'text', text: 'will log' }]);
    await alice.client.callTool({ name: 'log_later', arguments: { text: 'two', level: 'error' } });
    await Promise.all([alice.received.atLeast(2), bob.received.atLeast(1)]);
    expect(alice.received.all).toEqual(['warning later: one', 'error later: two']);
    // Relayed in the upstream's order: had bob been sent the warning, it would come first.
    expect(bob.received.all).toEqual(['error later: two']);
  });

  it('gives a log message sent during the one call in flight to that call’s agent only, recorded with the call', async () => {
    const [alice, bob] = [await agent(), await agent()];
    expect((await alice.client.callTool({ name: 'log_now', arguments: { text: 'mine' } })).content).toEqual([{ type: 'text', text: 'logged' }]);
    await alice.client.callTool({ name: 'log_later', arguments: { text: 'after' } });
    await Promise.all([alice.received.atLeast(2), bob.received.atLeast(1)]);
    expect(alice.received.all).toEqual(['info working on mine', 'warning later: after']);
    // Had bob been sent alice's call's message, it would come first.
    expect(bob.received.all).toEqual(['warning later: after']);
    await h.settled();
    const recorded = eventsOfType(h.dataDir, 'UpstreamLogRelayed');
    expect(recorded.map((e) => e.data)).toEqual([expect.objectContaining({ method: 'tools/call', endpoint: 'quiet', count: 1, levels: ['info'] })]);
  });

  it('routes a resource update to the sessions subscribed to its URI only', async () => {
    const [alice, bob] = [await agent(), await agent()];
    expect(alice.client.getServerCapabilities()?.resources).toMatchObject({ subscribe: true });
    await alice.client.subscribeResource({ uri: NOTES_INDEX_URI });
    await bob.client.subscribeResource({ uri: 'notes://other' });
    expect((await alice.client.callTool({ name: 'touch_later', arguments: { uri: NOTES_INDEX_URI } })).content).toEqual([{ type: 'text', text: `will touch ${NOTES_INDEX_URI}` }]);
    await alice.client.callTool({ name: 'touch_later', arguments: { uri: 'notes://other' } });
    await Promise.all([alice.received.atLeast(1), bob.received.atLeast(1)]);
    // Relayed in the upstream's order: had bob been sent the index's update, it would come first.
    expect(bob.received.all).toEqual(['updated notes://other']);
    await alice.client.callTool({ name: 'touch_later', arguments: { uri: NOTES_INDEX_URI } });
    await alice.received.atLeast(2);
    expect(alice.received.all).toEqual([`updated ${NOTES_INDEX_URI}`, `updated ${NOTES_INDEX_URI}`]);
  });
});
