import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { eventsOfType, readLedger } from './support/ledger-reader';
import { modernHeaders, modernMeta, rawPost } from './support/raw-mcp';
import { startHarness, type Harness } from './support/gateway-harness';

type LogParams = { level: string; logger?: string; data: unknown };

/**
 * Logging through `/mcp/<slug>` (issue 18): `logging/setLevel` gated and kept per agent session;
 * the upstream's `notifications/message` about a call relayed on the call's stream (filtered by the
 * session's level) and recorded with the call; those it sends outside a call relayed on the
 * agent's standalone stream. 2026-07-28 agents get log messages only for a request whose `_meta`
 * asks (`io.modelcontextprotocol/logLevel`), and no `logging/setLevel`.
 */
describe('upstream logging through the gateway', () => {
  let h: Harness;
  let agentKey: string;
  let upstream: LegacyMcpServer;

  const legacyAgent = async (capabilities: Record<string, unknown> = {}) => {
    const client = new Client({ name: 'log-agent', version: '1.0.0' }, { capabilities });
    if (capabilities.sampling) client.setRequestHandler(CreateMessageRequestSchema, async () => ({ role: 'assistant', content: { type: 'text', text: '-' }, model: 'm' }));
    const logs: LogParams[] = [];
    let asideArrived: (params: LogParams) => void = () => undefined;
    const aside = new Promise<LogParams>((resolve) => (asideArrived = resolve));
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      const params = notification.params as LogParams;
      if (String(params.data).startsWith('aside:')) asideArrived(params);
      else logs.push(params);
    });
    const transport = new StreamableHTTPClientTransport(new URL(`${h.url}/mcp/chatty`), { requestInit: { headers: { authorization: `Bearer ${agentKey}` } } });
    await client.connect(transport);
    return { client, logs, aside, close: async () => void (await transport.terminateSession().catch(() => undefined), await client.close()) };
  };

  beforeAll(async () => {
    h = await startHarness();
    upstream = await startLegacyMcpServer({ withLogging: true });
    const server = await h.api.registerServer('Chatty', 'chatty', upstream.url);
    await h.api.approve(server.serverId, 'chatty', 'read');
    agentKey = (await h.api.registerAgent('listener')).apiKey;
  });

  afterAll(async () => {
    await h.cleanup();
    await upstream.close();
  });

  it('advertises logging to a 2025 agent when the upstream offers it, and not to a 2026-07-28 agent', async () => {
    const agent = await legacyAgent();
    try {
      expect(agent.client.getServerCapabilities()?.logging).toEqual({});
    } finally {
      await agent.close();
    }
    const modern = new ModernClient({ name: 'modern-log', version: '2.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await modern.connect(new ModernTransport(new URL(`${h.url}/mcp/chatty`), { requestInit: { headers: { authorization: `Bearer ${agentKey}` } } }));
    try {
      expect(modern.getServerCapabilities()?.logging).toBeUndefined();
    } finally {
      await modern.close();
    }
  });

  it('relays a call’s log messages on its stream and the upstream’s others on the standalone stream, and records the call’s', async () => {
    const agent = await legacyAgent();
    try {
      const result = await agent.client.callTool({ name: 'chatty', arguments: { text: 'hello' } });
      expect(result.content).toEqual([{ type: 'text', text: 'said hello' }]);
      expect(agent.logs.map((l) => [l.level, l.data])).toEqual([
        ['debug', 'chatty: starting'],
        ['info', 'chatty: working on hello'],
        ['error', 'chatty: almost done'],
      ]);
      expect(await agent.aside).toMatchObject({ level: 'warning', data: 'aside: hello' });
    } finally {
      await agent.close();
    }
    await h.settled();
    const recorded = eventsOfType(h.dataDir, 'UpstreamLogRelayed');
    expect(recorded).toHaveLength(1);
    expect(recorded[0].data).toMatchObject({ method: 'tools/call', endpoint: 'chatty', count: 3, levels: ['debug', 'info', 'error'] });
    expect(recorded[0].payload?.digest).toMatch(/^[0-9a-f]{64}$/);
    // The messages are content: encrypted in the payload store, not in the ledger's envelope.
    expect(JSON.stringify(readLedger(h.dataDir))).not.toContain('working on hello');
  });

  it('filters by the level the session set; on the pooled session the upstream is not told', async () => {
    const agent = await legacyAgent();
    try {
      await agent.client.setLoggingLevel('warning');
      await agent.client.callTool({ name: 'chatty', arguments: { text: 'quiet' } });
      expect(agent.logs.map((l) => l.level)).toEqual(['error']);
      expect(await agent.aside).toMatchObject({ level: 'warning', data: 'aside: quiet' });
    } finally {
      await agent.close();
    }
    expect(upstream.requests.withRpcMethod('logging/setLevel')).toHaveLength(0);
  });

  it('tells the upstream the level on a session of the agent’s own', async () => {
    const agent = await legacyAgent({ sampling: {} });
    try {
      await agent.client.setLoggingLevel('error');
      await agent.client.callTool({ name: 'chatty', arguments: { text: 'own' } });
      expect(agent.logs.map((l) => l.level)).toEqual(['error']);
    } finally {
      await agent.close();
    }
    const told = upstream.requests.withRpcMethod('logging/setLevel').map((r) => (r.body as { params: unknown }).params);
    expect(told).toEqual([{ level: 'error' }]);
  });

  it('refuses a level that is not one of the eight (-32602, EDGE.INVALID_PARAMS), and tells the upstream nothing', async () => {
    const agent = await legacyAgent({ sampling: {} });
    try {
      await expect(agent.client.request({ method: 'logging/setLevel', params: { level: 'loud' } } as never, LoggingMessageNotificationSchema.shape.params as never)).rejects.toMatchObject({
        code: -32602,
        data: { reason: 'EDGE.INVALID_PARAMS' },
      });
    } finally {
      await agent.close();
    }
    expect(upstream.requests.withRpcMethod('logging/setLevel').map((r) => (r.body as { params: { level: string } }).params.level)).not.toContain('loud');
  });

  it('gives a 2026-07-28 request log messages only when its _meta asks, at or above that level', async () => {
    const call = (meta: Record<string, unknown>) =>
      rawPost(`${h.url}/mcp/chatty`, { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'chatty', arguments: { text: 'modern' }, _meta: { ...modernMeta, ...meta } } }, {
        ...modernHeaders('tools/call', 'chatty'),
        authorization: `Bearer ${agentKey}`,
      });
    const silent = await call({});
    expect(silent.text).not.toContain('notifications/message');
    expect(silent.body.result.content).toEqual([{ type: 'text', text: 'said modern' }]);
    const asked = await call({ 'io.modelcontextprotocol/logLevel': 'info' });
    const messages = asked.text
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice(6)))
      .filter((m) => m.method === 'notifications/message');
    expect(messages.map((m) => m.params.level)).toEqual(['info', 'error']);
  });

  it('answers logging/setLevel from a 2026-07-28 agent 404 / method not found (gone in its revision)', async () => {
    const response = await rawPost(`${h.url}/mcp/chatty`, { jsonrpc: '2.0', id: 8, method: 'logging/setLevel', params: { level: 'info', _meta: modernMeta } }, {
      ...modernHeaders('logging/setLevel'),
      authorization: `Bearer ${agentKey}`,
    });
    expect(response.status).toBe(404);
    expect(response.body.error).toMatchObject({ code: -32601, data: { reason: 'EDGE.METHOD_NOT_FOUND' } });
  });

  it('lets a policy rule refuse logging/setLevel: recorded with its rule, never forwarded', async () => {
    const applied = await h.api.request('PUT', '/v1/policies?baseVersion=0', {
      defaults: { read: 'allow', write: 'allow', destructive: 'deny' },
      rules: [{ id: 'no-log-levels', methods: ['logging/setLevel'], when: 'true', decision: 'deny' }],
    });
    expect(applied.status).toBe(200);
    const before = upstream.requests.withRpcMethod('logging/setLevel').length;
    const agent = await legacyAgent({ sampling: {} });
    try {
      await expect(agent.client.setLoggingLevel('debug')).rejects.toMatchObject({ data: expect.objectContaining({ reason: 'POLICY.RULE_MATCHED', rules: ['no-log-levels'] }) });
    } finally {
      await agent.close();
    }
    expect(upstream.requests.withRpcMethod('logging/setLevel')).toHaveLength(before);
    await h.settled();
    const refused = eventsOfType(h.dataDir, 'McpRequestRelayed').filter((e) => e.data.method === 'logging/setLevel');
    expect(refused.map((e) => e.data)).toContainEqual(expect.objectContaining({ decision: 'deny', rules: ['no-log-levels'] }));
  });
});
