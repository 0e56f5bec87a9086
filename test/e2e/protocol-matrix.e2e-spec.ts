import { connectAgent, textOf, type AgentRevision } from '../fixtures/agent-clients';
import type { FixtureMcpServer } from '../fixtures/fixture-mcp-server';
import { startLegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { startModernMcpServer } from '../fixtures/modern-mcp-server';
import { eventsOfType } from './support/ledger-reader';
import { startHarness, type Harness } from './support/gateway-harness';

/**
 * Agents of every supported revision × upstreams of either era. The gateway speaks each side's
 * own revision: a 2026-07-28 agent reaches a 2025-only server, and a 2025 agent a 2026-only one,
 * which the SDKs cannot do directly (test/fixtures/fixtures.e2e-spec.ts shows they fail).
 */
const AGENTS: AgentRevision[] = ['2025-06-18', '2025-11-25', '2026-07-28'];

describe('protocol matrix: agent revision × upstream era', () => {
  let h: Harness;
  let agentKey: string;
  const upstreams: Record<string, FixtureMcpServer> = {};

  beforeAll(async () => {
    h = await startHarness();
    upstreams.legacy = await startLegacyMcpServer();
    upstreams.modern = await startModernMcpServer({ legacy: 'reject' });
    for (const [slug, upstream] of Object.entries(upstreams)) {
      const server = await h.api.registerServer(slug, slug, upstream.url);
      await h.api.approve(server.serverId, 'echo', 'read');
      await h.api.approve(server.serverId, 'fail', 'read');
    }
    agentKey = (await h.api.registerAgent('matrix')).apiKey;
  });

  afterAll(async () => {
    await h.cleanup();
    await Promise.all(Object.values(upstreams).map((u) => u.close()));
  });

  it('negotiated each upstream’s own revision at registration', async () => {
    const servers = (await h.api.request('GET', '/v1/servers')).body.servers as Array<{ slug: string; protocolVersion: string }>;
    const bySlug = Object.fromEntries(servers.map((s) => [s.slug, s.protocolVersion]));
    expect(bySlug).toEqual({ legacy: '2025-11-25', modern: '2026-07-28' });
  });

  describe.each(AGENTS)('agent on %s', (revision) => {
    it.each(['legacy', 'modern'])('lists and calls through to the %s upstream', async (slug) => {
      const agent = await connectAgent(`${h.url}/mcp/${slug}`, { revision, headers: { authorization: `Bearer ${agentKey}` } });
      try {
        expect(agent.negotiatedVersion).toBe(revision);
        expect((await agent.listTools()).map((t) => t.name).sort()).toEqual(['echo', 'fail']);
        const args = { text: `${revision}→${slug}`, nested: { list: [1, 'two', null] } };
        expect(JSON.parse(textOf(await agent.callTool('echo', args)))).toEqual(args);
        const failed = await agent.callTool('fail', { reason: 'expected' });
        expect(failed.isError).toBe(true);
      } finally {
        await agent.close();
      }
      const decided = eventsOfType(h.dataDir, 'ToolCallDecided').filter((e) => e.data.protocolVersion === revision && e.data.endpoint === slug);
      expect(decided.length).toBeGreaterThanOrEqual(2);
    });
  });

  it('records a tool result with isError as completed with isError', async () => {
    await h.settled();
    const completed = eventsOfType(h.dataDir, 'ToolCallCompleted');
    expect(completed.filter((e) => e.data.isError)).toHaveLength(AGENTS.length * 2);
  });
});
