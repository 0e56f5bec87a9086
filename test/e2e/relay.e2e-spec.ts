import { connectAgent, surfacingRpcErrors, type Agent, type AgentRevision } from '../fixtures/agent-clients';
import { NOTES_INDEX_URI, SUMMARISE_PROMPT } from '../fixtures/content-fixture';
import type { FixtureMcpServer } from '../fixtures/fixture-mcp-server';
import { startLegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { startModernMcpServer } from '../fixtures/modern-mcp-server';
import { createNoteStore } from '../fixtures/tool-fixture';
import { eventsOfType, readLedger } from './support/ledger-reader';
import { modernHeaders, modernMeta, rawPost } from './support/raw-mcp';
import { verifyJson } from './support/tamper';
import { startHarness, type Harness } from './support/gateway-harness';

/**
 * Resources and prompts relayed through `/mcp/<server>`: agents of each revision × upstreams of
 * either era, the upstream's content unchanged, capabilities advertised as the upstream offers
 * them, the reads recorded (content encrypted in the payload store, never in the envelope).
 */
const AGENTS: AgentRevision[] = ['2025-11-25', '2026-07-28'];
const SECRET_NOTE = 'quarterly numbers: 4711';

/** The two SDK clients share these method names; their result types differ only in detail. */
interface ContentClient {
  getServerCapabilities(): Record<string, unknown> | undefined;
  listResources(): Promise<{ resources: Array<{ uri: string; name: string }> }>;
  readResource(params: { uri: string }): Promise<{ contents: Array<{ uri: string; text?: string }> }>;
  listPrompts(): Promise<{ prompts: Array<{ name: string }> }>;
  getPrompt(params: { name: string; arguments?: Record<string, string> }): Promise<{ messages: Array<{ role: string; content: { type: string; text?: string } }> }>;
}
const contentOf = (agent: Agent) => agent.raw as unknown as ContentClient;

describe('relay of resources and prompts', () => {
  let h: Harness;
  let agentKey: string;
  const upstreams: Record<string, FixtureMcpServer> = {};
  const agents: Agent[] = [];

  const connect = async (revision: AgentRevision, path: string) => {
    const agent = await connectAgent(`${h.url}${path}`, { revision, headers: { authorization: `Bearer ${agentKey}` } });
    agents.push(agent);
    return agent;
  };

  beforeAll(async () => {
    // This suite's gateway signs on the event loop (WARDEN_SIGNING=inline); the others use the worker.
    h = await startHarness({ WARDEN_SIGNING: 'inline' });
    const notes = createNoteStore({ q3: SECRET_NOTE, todo: 'buy milk' });
    upstreams.legacy = await startLegacyMcpServer({ notes });
    upstreams.modern = await startModernMcpServer({ legacy: 'reject', notes });
    for (const [slug, upstream] of Object.entries(upstreams)) {
      const server = await h.api.registerServer(slug, slug, upstream.url);
      await h.api.approve(server.serverId, 'echo', 'read');
    }
    agentKey = (await h.api.registerAgent('reader')).apiKey;
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
    await h.cleanup();
    await Promise.all(Object.values(upstreams).map((u) => u.close()));
  });

  describe.each(AGENTS)('agent on %s', (revision) => {
    it.each(['legacy', 'modern'])('lists and reads resources, lists and gets prompts of the %s upstream', async (slug) => {
      const agent = await connect(revision, `/mcp/${slug}`);
      const client = contentOf(agent);
      expect(client.getServerCapabilities()).toMatchObject({ tools: {}, resources: {}, prompts: {} });

      const { resources } = await surfacingRpcErrors(() => client.listResources());
      expect(resources.map((r) => r.uri)).toEqual([NOTES_INDEX_URI]);
      const read = await surfacingRpcErrors(() => client.readResource({ uri: NOTES_INDEX_URI }));
      expect(read.contents).toEqual([expect.objectContaining({ uri: NOTES_INDEX_URI, text: 'q3\ntodo' })]);

      const { prompts } = await surfacingRpcErrors(() => client.listPrompts());
      expect(prompts.map((p) => p.name)).toEqual([SUMMARISE_PROMPT]);
      const prompt = await surfacingRpcErrors(() => client.getPrompt({ name: SUMMARISE_PROMPT, arguments: { id: 'q3' } }));
      expect(prompt.messages).toEqual([{ role: 'user', content: { type: 'text', text: `Summarise: ${SECRET_NOTE}` } }]);
    });

    it('relays an upstream error with its own code', async () => {
      const agent = await connect(revision, '/mcp/legacy');
      await expect(surfacingRpcErrors(() => contentOf(agent).readResource({ uri: 'notes://nope' }))).rejects.toMatchObject({
        data: { reason: 'UPSTREAM.ERROR' },
      });
    });

    it('offers resources and prompts on the aggregated endpoint too (its servers offer them; aggregate-relay.e2e-spec.ts)', async () => {
      const agent = await connect(revision, '/mcp');
      expect(contentOf(agent).getServerCapabilities()).toEqual({ tools: { listChanged: true }, resources: {}, prompts: {} });
    });
  });

  it('answers a resources/read of a bare upstream URI on the aggregated endpoint as an unknown resource (it names warden://<server>/<uri>)', async () => {
    const params = { uri: NOTES_INDEX_URI, _meta: modernMeta };
    const res = await rawPost(`${h.url}/mcp`, { jsonrpc: '2.0', id: 1, method: 'resources/read', params }, {
      ...modernHeaders('resources/read', NOTES_INDEX_URI),
      authorization: `Bearer ${agentKey}`,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 1, error: { code: -32602, data: { reason: 'GATE.UNKNOWN_RESOURCE' } } });
    // Only the reads made through /mcp/<server> above reached an upstream: one good and one bad read per agent on legacy.
    expect(upstreams.legacy.requests.withRpcMethod('resources/read')).toHaveLength(AGENTS.length * 2);
    expect(upstreams.modern.requests.withRpcMethod('resources/read')).toHaveLength(AGENTS.length);
  });

  it('answers a relayed method the upstream does not offer with method not found, forwarding nothing', async () => {
    const bare = await startModernMcpServer({ legacy: 'reject', withContent: false });
    try {
      const server = await h.api.registerServer('bare', 'bare', bare.url);
      expect(server.tools.length).toBeGreaterThan(0);
      const res = await rawPost(`${h.url}/mcp/bare`, { jsonrpc: '2.0', id: 2, method: 'prompts/list', params: { _meta: modernMeta } }, {
        ...modernHeaders('prompts/list'),
        authorization: `Bearer ${agentKey}`,
      });
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ id: 2, error: { code: -32601, data: { reason: 'EDGE.METHOD_NOT_FOUND' } } });
      expect(bare.requests.withRpcMethod('prompts/list')).toHaveLength(0);
    } finally {
      await bare.close();
    }
  });

  it('records each read and prompt with its outcome, the content encrypted apart from the envelope', async () => {
    await h.settled();
    const relayed = eventsOfType(h.dataDir, 'McpRequestRelayed');
    const reads = relayed.filter((e) => e.data.method === 'resources/read');
    expect(reads.filter((e) => e.data.outcome === 'ok')).toHaveLength(AGENTS.length * 2);
    expect(reads.filter((e) => e.data.outcome === 'UPSTREAM.ERROR').map((e) => e.data.target)).toEqual(['notes://nope', 'notes://nope']);
    expect(reads.every((e) => e.stream === `calls-${h.orgId}-node-1`)).toBe(true);
    const gets = relayed.filter((e) => e.data.method === 'prompts/get' && e.data.outcome === 'ok');
    expect(gets).toHaveLength(AGENTS.length * 2);
    expect(gets[0].payload?.digest).toMatch(/^[0-9a-f]{64}$/);
    // Lists are metadata, not recorded; content never appears in the envelopes.
    expect(relayed.filter((e) => e.data.method.endsWith('/list'))).toHaveLength(0);
    // Search for the note's words: its digits alone could occur in any hex hash or signature.
    expect(JSON.stringify(readLedger(h.dataDir))).not.toContain('quarterly numbers');
  });

  it('leaves a ledger that verifies, signed inline', async () => {
    await h.settled();
    await h.stop();
    const { code, report } = await verifyJson(h.dataDir);
    expect(report).toMatchObject({ ok: true, problems: [] });
    expect(report.events).toBeGreaterThan(10);
    expect(code).toBe(0);
  });
});
