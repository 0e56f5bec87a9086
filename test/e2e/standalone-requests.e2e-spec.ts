import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { eventsOfType } from './support/ledger-reader';
import { startHarness, type Harness } from './support/gateway-harness';

/**
 * A 2025 upstream that asks the client for sampling or elicitation on its session's standalone
 * GET stream (not on the call's response stream) while it works on a call. warden opens a
 * session of the agent's own on that upstream, declaring exactly the agent's capabilities, and
 * relays what arrives on its standalone stream to the agent's call in flight; an agent that
 * declared nothing shares the pooled session, on which warden declares nothing.
 */
describe('server requests on an upstream’s standalone stream', () => {
  let h: Harness;
  let agentKey: string;
  let upstream: LegacyMcpServer;
  const asked: string[] = [];

  const initializeCapabilities = () =>
    upstream.requests.withRpcMethod('initialize').map((r) => (r.body as { params: { capabilities: Record<string, unknown> } }).params.capabilities);

  const legacyAgent = async (capabilities: Record<string, unknown>, key = agentKey, model = 'aside-model') => {
    const client = new Client({ name: 'standalone-agent', version: '1.0.0' }, { capabilities });
    if (capabilities.sampling) {
      client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
        asked.push(JSON.stringify(request.params.messages[0].content));
        return { role: 'assistant', content: { type: 'text', text: 'forty-two' }, model };
      });
    }
    if (capabilities.elicitation) {
      client.setRequestHandler(ElicitRequestSchema, async (request) => {
        asked.push(request.params.message);
        return { action: 'accept', content: { name: 'Ada' } };
      });
    }
    const transport = new StreamableHTTPClientTransport(new URL(`${h.url}/mcp/aside`), { requestInit: { headers: { authorization: `Bearer ${key}` } } });
    await client.connect(transport);
    return { client, close: async () => void (await transport.terminateSession().catch(() => undefined), await client.close()) };
  };

  beforeAll(async () => {
    h = await startHarness();
    upstream = await startLegacyMcpServer({ withSampling: true });
    const server = await h.api.registerServer('Aside', 'aside', upstream.url);
    await h.api.approve(server.serverId, 'ask_model_aside', 'read');
    await h.api.approve(server.serverId, 'ask_user_aside', 'read');
    agentKey = (await h.api.registerAgent('aside-agent')).apiKey;
  });

  afterAll(async () => {
    await h.cleanup();
    await upstream.close();
  });

  it('declares nothing upstream for an agent that declared nothing, and the upstream cannot ask it', async () => {
    const agent = await legacyAgent({});
    try {
      const result = await agent.client.callTool({ name: 'ask_model_aside', arguments: { question: 'anyone?' } });
      expect(result.isError).toBe(true);
      expect(JSON.stringify(result.content)).toContain('Method not found');
    } finally {
      await agent.close();
    }
    expect(initializeCapabilities().length).toBeGreaterThan(0);
    for (const declared of initializeCapabilities()) expect(declared).toEqual({});
  });

  it('relays a sampling request from the standalone stream to the 2025 agent whose call is in flight, and its answer back', async () => {
    const before = upstream.requests.all().length;
    const agent = await legacyAgent({ sampling: {} });
    try {
      const result = await agent.client.callTool({ name: 'ask_model_aside', arguments: { question: 'the meaning of life?' } });
      expect(result.content).toEqual([{ type: 'text', text: 'the model (aside-model) says: forty-two' }]);
    } finally {
      await agent.close();
    }
    expect(asked).toContain(JSON.stringify({ type: 'text', text: 'the meaning of life?' }));
    // A session of the agent's own declared exactly its capabilities (and nothing it did not declare).
    expect(initializeCapabilities()).toContainEqual({ sampling: {} });
    for (const declared of initializeCapabilities()) expect(declared.elicitation).toBeUndefined();
    const answers = upstream.requests.all().slice(before).filter((r) => (r.body as { result?: { model?: string } })?.result?.model === 'aside-model');
    expect(answers).toHaveLength(1);
    await h.settled();
    const relayed = eventsOfType(h.dataDir, 'ServerRequestRelayed').filter((e) => e.data.endpoint === 'aside');
    expect(relayed.map((e) => e.data)).toContainEqual(expect.objectContaining({ method: 'sampling/createMessage', outcome: 'ok' }));
  });

  it('relays an elicitation request from the standalone stream, on a session declaring elicitation only', async () => {
    const agent = await legacyAgent({ elicitation: {} });
    try {
      const result = await agent.client.callTool({ name: 'ask_user_aside', arguments: { question: 'your name?' } });
      expect(result.content).toEqual([{ type: 'text', text: 'the user said accept: {"name":"Ada"}' }]);
    } finally {
      await agent.close();
    }
    expect(asked).toContain('your name?');
    expect(initializeCapabilities()).toContainEqual({ elicitation: {} });
    await h.settled();
    const relayed = eventsOfType(h.dataDir, 'ServerRequestRelayed').filter((e) => e.data.endpoint === 'aside');
    expect(relayed.map((e) => e.data)).toContainEqual(expect.objectContaining({ method: 'elicitation/create', outcome: 'ok' }));
  });

  it('gives each agent that can answer a session of its own: concurrent asks never cross agents', async () => {
    const otherKey = (await h.api.registerAgent('aside-other')).apiKey;
    const [mine, theirs] = [await legacyAgent({ sampling: {} }, agentKey, 'mine'), await legacyAgent({ sampling: {} }, otherKey, 'theirs')];
    try {
      const results = await Promise.all([
        mine.client.callTool({ name: 'ask_model_aside', arguments: { question: 'who am I?' } }),
        theirs.client.callTool({ name: 'ask_model_aside', arguments: { question: 'who are you?' } }),
      ]);
      expect(results.map((r) => r.content)).toEqual([
        [{ type: 'text', text: 'the model (mine) says: forty-two' }],
        [{ type: 'text', text: 'the model (theirs) says: forty-two' }],
      ]);
    } finally {
      await Promise.all([mine.close(), theirs.close()]);
    }
  });

  it('parks a standalone-stream request for a 2026-07-28 agent (input_required) and resumes it on the retry', async () => {
    const client = new ModernClient({ name: 'modern-aside', version: '2.0.0' }, { capabilities: { sampling: {} }, versionNegotiation: { mode: { pin: '2026-07-28' } } });
    client.setRequestHandler('sampling/createMessage', async () => ({ role: 'assistant' as const, content: { type: 'text' as const, text: 'parked answer' }, model: 'modern-model' }));
    await client.connect(new ModernTransport(new URL(`${h.url}/mcp/aside`), { requestInit: { headers: { authorization: `Bearer ${agentKey}` } } }));
    const callsBefore = upstream.requests.withRpcMethod('tools/call').length;
    try {
      const result = await client.callTool({ name: 'ask_model_aside', arguments: { question: 'parked?' } });
      expect(result.content).toEqual([{ type: 'text', text: 'the model (modern-model) says: parked answer' }]);
    } finally {
      await client.close();
    }
    expect(upstream.requests.withRpcMethod('tools/call').length - callsBefore).toBe(1);
  });
});
