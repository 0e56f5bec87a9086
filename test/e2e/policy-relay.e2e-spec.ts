import { connectAgent, surfacingRpcErrors, type Agent, type AgentRevision } from '../fixtures/agent-clients';
import { NOTES_INDEX_URI, SUMMARISE_PROMPT } from '../fixtures/content-fixture';
import type { FixtureMcpServer } from '../fixtures/fixture-mcp-server';
import { startLegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { startModernMcpServer } from '../fixtures/modern-mcp-server';
import { createNoteStore } from '../fixtures/tool-fixture';
import { eventsOfType } from './support/ledger-reader';
import { startHarness, type Harness } from './support/gateway-harness';

/**
 * Resources, prompts and completions pass the same gate as tool calls (issue 14): a policy rule
 * with `methods` can refuse a resource read by URI or a prompt by name; the refusal is recorded
 * with its rule and the upstream never sees the request. Agents of both generations.
 */
interface ContentClient {
  readResource(params: { uri: string }): Promise<{ contents: Array<{ uri: string; text?: string }> }>;
  getPrompt(params: { name: string; arguments?: Record<string, string> }): Promise<{ messages: unknown[] }>;
}
const contentOf = (agent: Agent) => agent.raw as unknown as ContentClient;

const POLICY = {
  defaults: { read: 'allow', write: 'allow', destructive: 'deny' },
  rules: [
    { id: 'no-index-reads', methods: ['resources/read'], when: `mcp.resource.uri == "${NOTES_INDEX_URI}"`, decision: 'deny' },
    { id: 'no-summaries', methods: ['prompts/get'], when: `mcp.prompt.name == "${SUMMARISE_PROMPT}"`, decision: 'deny' },
  ],
};

describe('the policy gate on relayed resources and prompts', () => {
  let h: Harness;
  let agentKey: string;
  const upstreams: Record<string, FixtureMcpServer> = {};
  const agents: Agent[] = [];

  beforeAll(async () => {
    h = await startHarness();
    const notes = createNoteStore({ q3: 'quarterly numbers', todo: 'buy milk' });
    upstreams.legacy = await startLegacyMcpServer({ notes });
    upstreams.modern = await startModernMcpServer({ legacy: 'reject', notes });
    for (const [slug, upstream] of Object.entries(upstreams)) await h.api.registerServer(slug, slug, upstream.url);
    agentKey = (await h.api.registerAgent('reader')).apiKey;
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
    await h.cleanup();
    await Promise.all(Object.values(upstreams).map((u) => u.close()));
  });

  const connect = async (revision: AgentRevision, slug: string) => {
    const agent = await connectAgent(`${h.url}/mcp/${slug}`, { revision, headers: { authorization: `Bearer ${agentKey}` } });
    agents.push(agent);
    return contentOf(agent);
  };

  it('without a policy set, reads and prompts are relayed (the foundation’s behaviour)', async () => {
    const client = await connect('2025-11-25', 'legacy');
    expect((await surfacingRpcErrors(() => client.readResource({ uri: NOTES_INDEX_URI }))).contents[0]).toMatchObject({ uri: NOTES_INDEX_URI });
  });

  describe('with a policy set', () => {
    beforeAll(async () => {
      const applied = await h.api.request('PUT', '/v1/policies?baseVersion=0', POLICY);
      expect(applied.status).toBe(200);
    });

    it.each([
      ['2025-11-25', 'legacy'],
      ['2026-07-28', 'modern'],
      ['2026-07-28', 'legacy'],
    ] as Array<[AgentRevision, string]>)('an agent on %s at the %s upstream: the resource read and the prompt the rules name are refused, never forwarded', async (revision, slug) => {
      const client = await connect(revision, slug);
      const before = upstreams[slug].requests.rpcMethods().filter((m) => m === 'resources/read' || m === 'prompts/get').length;
      await expect(surfacingRpcErrors(() => client.readResource({ uri: NOTES_INDEX_URI }))).rejects.toMatchObject({
        data: expect.objectContaining({ reason: 'POLICY.RULE_MATCHED', rules: ['no-index-reads'] }),
      });
      await expect(surfacingRpcErrors(() => client.getPrompt({ name: SUMMARISE_PROMPT, arguments: { id: 'q3' } }))).rejects.toMatchObject({
        data: expect.objectContaining({ rules: ['no-summaries'] }),
      });
      const after = upstreams[slug].requests.rpcMethods().filter((m) => m === 'resources/read' || m === 'prompts/get').length;
      expect(after).toBe(before);
    });

    it('records each refusal with its decision, reasons and rule, and an allowed read with its decision', async () => {
      await h.settled();
      const relayed = eventsOfType(h.dataDir, 'McpRequestRelayed').map((e) => e.data as Record<string, unknown>);
      const refusedReads = relayed.filter((d) => d.method === 'resources/read' && d.decision === 'deny');
      expect(refusedReads.length).toBeGreaterThanOrEqual(3);
      expect(refusedReads[0]).toMatchObject({ target: NOTES_INDEX_URI, rules: ['no-index-reads'], policyVersion: 1, reasons: expect.arrayContaining([expect.objectContaining({ gate: 'policy', decision: 'deny' })]) });
      const allowed = relayed.find((d) => d.method === 'resources/read' && d.outcome === 'ok');
      expect(allowed).toBeDefined();
      expect(relayed.filter((d) => d.method === 'prompts/get' && d.decision === 'deny').length).toBeGreaterThanOrEqual(3);
    });
  });
});
