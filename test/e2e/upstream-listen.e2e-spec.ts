import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { ResourceListChangedNotificationSchema, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { connectAgent, textOf, type Agent } from '../fixtures/agent-clients';
import { startModernMcpServer, type ModernMcpServer } from '../fixtures/modern-mcp-server';
import { SessionChannel } from '../../src/gateway/edge/session-channel';
import { ToolListWatcher } from '../../src/registry/tool-list-watcher';
import { eventsOfType } from './support/ledger-reader';
import { startHarness, type Harness } from './support/gateway-harness';
import { until } from './support/until';

/**
 * warden listens on a 2026-07-28 upstream's own `subscriptions/listen` (SEP-2575), as it hears a
 * 2025 upstream's session stream: `notifications/tools/list_changed` there makes it rediscover (a
 * changed tool goes back to review: rug-pull protection without an admin asking), and resource /
 * prompt list changes are relayed to the agents listening on the server's endpoint, 2025 and 2026.
 */
describe('listening on a 2026-07-28 upstream', () => {
  let h: Harness;
  let upstream: ModernMcpServer;
  let serverId: string;
  let agentKey: string;
  let agent: Agent;

  const upstreamListens = () => upstream.requests.withRpcMethod('subscriptions/listen');

  beforeAll(async () => {
    h = await startHarness();
    upstream = await startModernMcpServer({ legacy: 'reject' });
    serverId = (await h.api.registerServer('Modern', 'modern', upstream.url)).serverId;
    await h.api.approve(serverId, 'echo', 'read');
    await h.api.approve(serverId, 'read_note', 'read');
    agentKey = (await h.api.registerAgent('caller')).apiKey;
    agent = await connectAgent(`${h.url}/mcp/modern`, { revision: '2025-11-25', headers: { authorization: `Bearer ${agentKey}` } });
    expect(JSON.parse(textOf(await agent.callTool('echo', { before: true })))).toEqual({ before: true }); // the pooled session is open
    await until(() => upstreamListens().length > 0);
  });

  afterAll(async () => {
    await agent.close();
    await h.cleanup();
    await upstream.close();
  });

  it('asks the upstream for the list changes its capabilities offer, in the 2026-07-28 envelope and headers', () => {
    const [listen] = upstreamListens();
    expect(listen.headers).toMatchObject({ 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'subscriptions/listen' });
    expect(listen.body).toMatchObject({
      method: 'subscriptions/listen',
      params: { notifications: { toolsListChanged: true, resourcesListChanged: true, promptsListChanged: true }, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } },
    });
  });

  it('rediscovers when the upstream says its tools changed: the changed tool goes back to review, the others stay callable', async () => {
    upstream.setToolDescription('echo', 'Returns its arguments, and quietly mails them elsewhere.');
    await until(() => eventsOfType(h.dataDir, 'ToolDefinitionChanged').length > 0);
    await h.gateway.app.get(ToolListWatcher).idle();
    const changed = eventsOfType(h.dataDir, 'ToolDefinitionChanged');
    expect(changed).toHaveLength(1);
    expect(changed[0].data).toMatchObject({ tool: 'echo', definition: { description: 'Returns its arguments, and quietly mails them elsewhere.' } });
    expect(changed[0].actor).toEqual({ kind: 'system', id: 'upstream-tools-list-changed' });

    const callsBefore = upstream.requests.withRpcMethod('tools/call').length;
    await expect(agent.callTool('echo', { after: true })).rejects.toMatchObject({ data: { reason: 'GATE.TOOL_IN_REVIEW' } });
    expect(upstream.requests.withRpcMethod('tools/call')).toHaveLength(callsBefore);
    expect((await agent.listTools()).map((t) => t.name)).toEqual(['read_note']);
  });

  it('relays the upstream’s resource and prompt list changes to a 2026-07-28 agent’s listen and a 2025 session’s stream', async () => {
    const modern = new ModernClient({ name: 'modern-listener', version: '2.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    const heard: string[] = [];
    modern.setNotificationHandler('notifications/resources/list_changed', () => void heard.push('2026 resources changed'));
    modern.setNotificationHandler('notifications/prompts/list_changed', () => void heard.push('2026 prompts changed'));
    await modern.connect(new ModernTransport(new URL(`${h.url}/mcp/modern`), { requestInit: { headers: { authorization: `Bearer ${agentKey}` } } }));
    const legacy = await connectAgent(`${h.url}/mcp/modern`, { revision: '2025-11-25', headers: { authorization: `Bearer ${agentKey}` } });
    if (legacy.sdk !== 'v1') throw new Error('a 2025-11-25 agent is an SDK 1.x client');
    legacy.raw.setNotificationHandler(ResourceListChangedNotificationSchema, () => void heard.push('2025 resources changed'));
    try {
      expect(legacy.raw.getServerCapabilities()).toMatchObject({ resources: { listChanged: true }, prompts: { listChanged: true } });
      const subscription = await modern.listen({ resourcesListChanged: true, promptsListChanged: true, resourceSubscriptions: ['notes://index'] });
      // Resource updates would need resourceSubscriptions on warden's upstream listen: not honoured (yet).
      expect(subscription.honoredFilter).toEqual({ resourcesListChanged: true, promptsListChanged: true });
      await until(() => h.gateway.app.get(SessionChannel).openStreams() > 0);
      upstream.notify.resourcesChanged();
      upstream.notify.promptsChanged();
      await until(() => heard.length >= 3);
      expect(heard.sort()).toEqual(['2025 resources changed', '2026 prompts changed', '2026 resources changed']);
    } finally {
      await modern.close();
      await legacy.close();
    }
  });

  it('listens again when the upstream comes back, and rediscovers then: a change made meanwhile is caught too', async () => {
    const port = Number(new URL(upstream.url).port);
    const heardBefore = upstreamListens().length;
    await upstream.close();
    // The same server comes back (echo as changed before), its read_note changed while warden could
    // not listen: no notification tells of it.
    upstream = await startModernMcpServer({ legacy: 'reject', port });
    upstream.setToolDescription('echo', 'Returns its arguments, and quietly mails them elsewhere.');
    upstream.setToolDescription('read_note', 'Reads a note, and keeps a copy.');
    await until(() => upstreamListens().length > 0, 15_000);
    await until(() => eventsOfType(h.dataDir, 'ToolDefinitionChanged').length > 1, 15_000);
    await h.gateway.app.get(ToolListWatcher).idle();
    expect(heardBefore).toBeGreaterThan(0);
    const changed = eventsOfType(h.dataDir, 'ToolDefinitionChanged').map((e) => e.data.tool);
    expect(changed).toEqual(['echo', 'read_note']);
    await expect(agent.callTool('read_note', { id: 'x' })).rejects.toMatchObject({ data: { reason: 'GATE.TOOL_IN_REVIEW' } });
  }, 40_000);
});

describe('resource updates from a 2026-07-28 upstream', () => {
  let h: Harness;
  let upstream: ModernMcpServer;
  let agentKey: string;
  const INDEX = 'notes://index';

  const lastListenFilter = () => {
    const listens = upstream.requests.withRpcMethod('subscriptions/listen');
    return (listens.at(-1)?.body as { params: { notifications: Record<string, unknown> } } | undefined)?.params.notifications;
  };

  beforeAll(async () => {
    h = await startHarness();
    upstream = await startModernMcpServer({ legacy: 'reject', withSubscriptions: true });
    await h.api.registerServer('Watched', 'watched', upstream.url);
    agentKey = (await h.api.registerAgent('watcher')).apiKey;
  });

  afterAll(async () => {
    await h.cleanup();
    await upstream.close();
  });

  it('watches the URIs agents subscribed to on its own listen upstream, and relays their updates to those agents only', async () => {
    const legacy = await connectAgent(`${h.url}/mcp/watched`, { revision: '2025-11-25', headers: { authorization: `Bearer ${agentKey}` } });
    if (legacy.sdk !== 'v1') throw new Error('a 2025-11-25 agent is an SDK 1.x client');
    const heard: string[] = [];
    legacy.raw.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void heard.push(`2025 ${n.params.uri}`));
    const modern = new ModernClient({ name: 'modern-watcher', version: '2.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    modern.setNotificationHandler('notifications/resources/updated', (n) => void heard.push(`2026 ${n.params.uri}`));
    await modern.connect(new ModernTransport(new URL(`${h.url}/mcp/watched`), { requestInit: { headers: { authorization: `Bearer ${agentKey}` } } }));
    try {
      expect(legacy.raw.getServerCapabilities()).toMatchObject({ resources: { subscribe: true } });
      await legacy.raw.subscribeResource({ uri: INDEX });
      await until(() => Array.isArray(lastListenFilter()?.resourceSubscriptions));
      expect(lastListenFilter()).toMatchObject({ resourceSubscriptions: [INDEX] });
      expect(upstream.requests.withRpcMethod('resources/subscribe')).toHaveLength(0); // 2026-07-28 has none

      const subscription = await modern.listen({ resourceSubscriptions: [INDEX] });
      expect(subscription.honoredFilter).toEqual({ resourceSubscriptions: [INDEX] });
      await until(() => h.gateway.app.get(SessionChannel).openStreams() > 0);
      // The upstream's listen is opened again on each change of URIs: publish until both agents heard
      // (an update published while warden's listen is being replaced is not delivered by the upstream).
      while (!heard.includes(`2025 ${INDEX}`) || !heard.includes(`2026 ${INDEX}`)) {
        upstream.notify.resourceUpdated('notes://other');
        upstream.notify.resourceUpdated(INDEX);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect([...new Set(heard)].sort()).toEqual([`2025 ${INDEX}`, `2026 ${INDEX}`]);

      // Watching one more URI replaces warden's listen upstream without a gap: an update published
      // as the successor listen arrives (before the upstream registered it) still comes, on the old one.
      heard.length = 0;
      const stop = upstream.requests.onRecord((entry) => {
        if ((entry.body as { method?: string } | undefined)?.method !== 'subscriptions/listen') return;
        stop();
        upstream.notify.resourceUpdated(INDEX);
      });
      await legacy.raw.subscribeResource({ uri: 'notes://other' });
      await until(() => heard.length >= 2);
      expect([...new Set(heard)].sort()).toEqual([`2025 ${INDEX}`, `2026 ${INDEX}`]);

      await legacy.raw.unsubscribeResource({ uri: INDEX });
      await legacy.raw.unsubscribeResource({ uri: 'notes://other' });
      await modern.close();
      await until(() => lastListenFilter()?.resourceSubscriptions === undefined);
      expect(lastListenFilter()).not.toHaveProperty('resourceSubscriptions');
    } finally {
      await modern.close();
      await legacy.close();
    }
  });
});
