import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { connectAgent, textOf } from '../fixtures/agent-clients';
import type { FixtureMcpServer } from '../fixtures/fixture-mcp-server';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { startModernMcpServer } from '../fixtures/modern-mcp-server';
import { eventsOfType, readLedger } from './support/ledger-reader';
import { modernHeaders, modernMeta, rawPost } from './support/raw-mcp';
import { startHarness, type Harness } from './support/gateway-harness';

/**
 * A 2025 upstream that asks the calling client for a sampling completion in the middle of a
 * tool call: warden relays the request to the agent on the call's response stream (with an id of
 * its own), routes the agent's POSTed answer back to the upstream, and records the exchange.
 * A 2026-07-28 agent (no server-to-client requests in its revision) is answered input_required
 * while warden keeps the upstream's request open, and its retry resumes it. Agents that did not
 * declare the capability get the upstream's request answered "method not found" for them.
 */
describe('server-to-client requests through the gateway', () => {
  let h: Harness;
  let agentKey: string;
  let upstream: LegacyMcpServer;
  let modern: FixtureMcpServer;
  const questions: string[] = [];

  const samplingAgent = async (declareSampling: boolean, slug = 'thinker') => {
    const client = new Client({ name: 'sampling-agent', version: '1.0.0' }, { capabilities: declareSampling ? { sampling: {} } : {} });
    if (declareSampling) {
      client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
        questions.push(JSON.stringify(request.params.messages[0].content));
        return { role: 'assistant', content: { type: 'text', text: 'forty-two' }, model: 'test-model' };
      });
    }
    const transport = new StreamableHTTPClientTransport(new URL(`${h.url}/mcp/${slug}`), { requestInit: { headers: { authorization: `Bearer ${agentKey}` } } });
    await client.connect(transport);
    return { client, close: async () => void (await transport.terminateSession().catch(() => undefined), await client.close()) };
  };

  beforeAll(async () => {
    h = await startHarness();
    upstream = await startLegacyMcpServer({ withSampling: true });
    const server = await h.api.registerServer('Thinker', 'thinker', upstream.url);
    await h.api.approve(server.serverId, 'ask_model', 'read');
    modern = await startModernMcpServer({ legacy: 'reject', withSampling: true });
    const modernServer = await h.api.registerServer('Modern thinker', 'modern-thinker', modern.url);
    await h.api.approve(modernServer.serverId, 'ask_model', 'read');
    agentKey = (await h.api.registerAgent('sampler')).apiKey;
  });

  afterAll(async () => {
    await h.cleanup();
    await upstream.close();
    await modern.close();
  });

  it('relays the upstream’s sampling request to an agent that can sample, and its answer back', async () => {
    const agent = await samplingAgent(true);
    try {
      const result = await agent.client.callTool({ name: 'ask_model', arguments: { question: 'the meaning of life?' } });
      expect(result.content).toEqual([{ type: 'text', text: 'the model (test-model) says: forty-two' }]);
      expect(questions).toEqual([JSON.stringify({ type: 'text', text: 'the meaning of life?' })]);
    } finally {
      await agent.close();
    }
    // The agent's answer reached the upstream as a JSON-RPC response to the upstream's own id.
    const answers = upstream.requests.all().filter((r) => (r.body as { result?: unknown })?.result !== undefined);
    expect(answers).toHaveLength(1);
    expect((answers[0].body as { result: { model: string } }).result.model).toBe('test-model');
  });

  it('records the relayed exchange, its content encrypted apart from the envelope', async () => {
    await h.settled();
    const relayed = eventsOfType(h.dataDir, 'ServerRequestRelayed');
    expect(relayed).toHaveLength(1);
    expect(relayed[0].data).toMatchObject({ method: 'sampling/createMessage', outcome: 'ok', endpoint: 'thinker' });
    expect(relayed[0].payload?.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(readLedger(h.dataDir))).not.toContain('meaning of life');
  });

  it('answers "method not found" for an agent that did not declare sampling', async () => {
    const agent = await samplingAgent(false);
    try {
      const result = await agent.client.callTool({ name: 'ask_model', arguments: { question: 'anyone?' } });
      expect(result.isError).toBe(true);
      expect(JSON.stringify(result.content)).toContain('cannot answer sampling/createMessage');
    } finally {
      await agent.close();
    }
  });

  it('answers "method not found" for a 2026-07-28 agent that did not declare sampling', async () => {
    const agent = await connectAgent(`${h.url}/mcp/thinker`, { revision: '2026-07-28', headers: { authorization: `Bearer ${agentKey}` } });
    try {
      const result = await agent.callTool('ask_model', { question: 'anyone?' });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toContain('cannot answer sampling/createMessage');
    } finally {
      await agent.close();
    }
  });

  describe('a 2026-07-28 upstream that answers input_required (multi round trip)', () => {
    it('is bridged for a 2025 agent: warden asks the agent on its stream and retries the upstream with the answers', async () => {
      const before = modern.requests.withRpcMethod('tools/call').length;
      const agent = await samplingAgent(true, 'modern-thinker');
      try {
        const result = await agent.client.callTool({ name: 'ask_model', arguments: { question: 'why?' } });
        expect(result.content).toEqual([{ type: 'text', text: 'the model (test-model) says: forty-two' }]);
      } finally {
        await agent.close();
      }
      const calls = modern.requests.withRpcMethod('tools/call').slice(before).map((r) => (r.body as { params: Record<string, unknown> }).params);
      expect(calls).toHaveLength(2);
      expect(calls[0].inputResponses).toBeUndefined();
      expect(calls[1].inputResponses).toEqual({ q: { role: 'assistant', content: { type: 'text', text: 'forty-two' }, model: 'test-model' } });
    });

    it('is passed through to a 2026-07-28 agent, whose client fulfils it and retries (each round governed)', async () => {
      const client = new ModernClient({ name: 'modern-sampler', version: '2.0.0' }, { capabilities: { sampling: {} }, versionNegotiation: { mode: { pin: '2026-07-28' } } });
      client.setRequestHandler('sampling/createMessage', async () => ({ role: 'assistant' as const, content: { type: 'text' as const, text: 'forty-two' }, model: 'modern-model' }));
      await client.connect(new ModernTransport(new URL(`${h.url}/mcp/modern-thinker`), { requestInit: { headers: { authorization: `Bearer ${agentKey}` } } }));
      const decidedBefore = eventsOfType(h.dataDir, 'ToolCallDecided').filter((e) => e.data.endpoint === 'modern-thinker').length;
      try {
        const result = await client.callTool({ name: 'ask_model', arguments: { question: 'why?' } });
        expect(result.content).toEqual([{ type: 'text', text: 'the model (modern-model) says: forty-two' }]);
      } finally {
        await client.close();
      }
      expect(eventsOfType(h.dataDir, 'ToolCallDecided').filter((e) => e.data.endpoint === 'modern-thinker').length - decidedBefore).toBe(2);
    });
  });

  describe('a 2025 upstream asking a 2026-07-28 agent (parked until the agent retries)', () => {
    const modernSampler = async () => {
      const client = new ModernClient({ name: 'modern-sampler', version: '2.0.0' }, { capabilities: { sampling: {} }, versionNegotiation: { mode: { pin: '2026-07-28' } } });
      client.setRequestHandler('sampling/createMessage', async (request) => {
        questions.push(JSON.stringify(request.params.messages[0].content));
        return { role: 'assistant' as const, content: { type: 'text' as const, text: 'forty-two' }, model: 'modern-model' };
      });
      await client.connect(new ModernTransport(new URL(`${h.url}/mcp/thinker`), { requestInit: { headers: { authorization: `Bearer ${agentKey}` } } }));
      return client;
    };

    it('answers input_required with warden’s requestState, and the retry resumes the upstream’s request', async () => {
      const client = await modernSampler();
      const decidedBefore = eventsOfType(h.dataDir, 'ToolCallDecided').filter((e) => e.data.endpoint === 'thinker').length;
      const callsBefore = upstream.requests.withRpcMethod('tools/call').length;
      try {
        const result = await client.callTool({ name: 'ask_model', arguments: { question: 'parked?' } });
        expect(result.content).toEqual([{ type: 'text', text: 'the model (modern-model) says: forty-two' }]);
      } finally {
        await client.close();
      }
      // One upstream request served both rounds of the agent; each round was a governed call.
      expect(upstream.requests.withRpcMethod('tools/call').length - callsBefore).toBe(1);
      expect(eventsOfType(h.dataDir, 'ToolCallDecided').filter((e) => e.data.endpoint === 'thinker').length - decidedBefore).toBe(2);
    });

    it('refuses a requestState it did not mint, or minted for another agent', async () => {
      const raw = (key: string, requestState: string) =>
        rawPost(`${h.url}/mcp/thinker`, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'ask_model', arguments: { question: 'x' }, requestState, inputResponses: {}, _meta: { ...modernMeta, 'io.modelcontextprotocol/clientCapabilities': { sampling: {} } } } }, {
          ...modernHeaders('tools/call', 'ask_model'),
          authorization: `Bearer ${key}`,
        });
      const forged = await raw(agentKey, 'warden-park:not-a-real-one');
      expect(forged.body.error).toMatchObject({ data: { reason: 'EDGE.UNKNOWN_REQUEST_STATE' } });

      // A real token, presented by another agent of the same organisation.
      const first = await raw(agentKey, '');
      expect(first.body.result).toMatchObject({ resultType: 'input_required', requestState: expect.stringMatching(/^warden-park:/) });
      const otherKey = (await h.api.registerAgent('other')).apiKey;
      const stolen = await raw(otherKey, first.body.result.requestState);
      expect(stolen.body.error).toMatchObject({ data: { reason: 'EDGE.UNKNOWN_REQUEST_STATE' } });
    });
  });
});
