import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { connectAgent, surfacingRpcErrors, textOf, type AgentRevision, type AgentToolResult } from '../fixtures/agent-clients';
import { NOTES_INDEX_URI, SUMMARISE_PROMPT } from '../fixtures/content-fixture';
import type { FixtureMcpServer } from '../fixtures/fixture-mcp-server';
import { startLegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { startModernMcpServer } from '../fixtures/modern-mcp-server';
import { startSseMcpServer } from '../fixtures/sse-mcp-server';
import { STDIO_FIXTURE_JS } from '../fixtures/stdio-mcp-server';
import { eventsOfType } from './support/ledger-reader';
import { startHarness, type Harness } from './support/gateway-harness';
import { ROOT } from './support/gateway-process';
import { startGatewayWithUpstreams, type GatewayWithUpstreams } from './support/gateway-with-upstreams';

/**
 * Agents of every supported revision × upstreams of either era. The gateway speaks each side's
 * own revision: a 2026-07-28 agent reaches a 2025-only server, and a 2025 agent a 2026-only one,
 * which the SDKs cannot do directly (test/fixtures/fixtures.e2e-spec.ts shows they fail).
 */
const AGENTS: AgentRevision[] = ['2025-06-18', '2025-11-25', '2026-07-28'];

describe('protocol matrix: agent revision × upstream era', () => {
  let setup: GatewayWithUpstreams;
  let h: Harness;
  let agentKey: string;

  beforeAll(async () => {
    setup = await startGatewayWithUpstreams(
      { legacy: () => startLegacyMcpServer(), modern: () => startModernMcpServer({ legacy: 'reject' }) },
      { approve: ['echo', 'fail', 'regional_echo'], agentName: 'matrix' },
    );
    ({ h, agentKey } = setup);
  });

  afterAll(() => setup.close());

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
        expect((await agent.listTools()).map((t) => t.name).sort()).toEqual(['echo', 'fail', 'regional_echo']);
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

  it.each(AGENTS)('mirrors a header-declared argument as Mcp-Param-* for the 2026-07-28 upstream (agent on %s)', async (revision) => {
    const agent = await connectAgent(`${h.url}/mcp/modern`, { revision, headers: { authorization: `Bearer ${agentKey}` } });
    try {
      const args = { region: 'eu-west-1', text: revision };
      expect(JSON.parse(textOf(await agent.callTool('regional_echo', args)))).toEqual(args);
    } finally {
      await agent.close();
    }
    const forwarded = setup.upstreams.modern.requests.withRpcMethod('tools/call').filter((r) => (r.body as { params: { name: string } }).params.name === 'regional_echo');
    expect(forwarded.at(-1)!.headers['mcp-param-region']).toBe('eu-west-1');
  });

  it('records a tool result with isError as completed with isError', async () => {
    await h.settled();
    const completed = eventsOfType(h.dataDir, 'ToolCallCompleted');
    expect(completed.filter((e) => e.data.isError)).toHaveLength(AGENTS.length * 2);
  });
});

describe('an upstream on the deprecated HTTP+SSE transport (2024-11-05)', () => {
  let setup: GatewayWithUpstreams;
  let h: Harness;
  let agentKey: string;
  let sse: FixtureMcpServer;

  beforeAll(async () => {
    // Registration runs discovery over the old transport; approving echo needs it discovered.
    setup = await startGatewayWithUpstreams({ old: () => startSseMcpServer() }, { approve: ['echo'], agentName: 'sse' });
    ({ h, agentKey } = setup);
    sse = setup.upstreams.old;
  });

  afterAll(() => setup.close());

  it('is reached after the Streamable HTTP attempt gets 4xx: GET opens the stream, messages are POSTed to its endpoint', () => {
    const all = sse.requests.all();
    const firstGet = all.findIndex((r) => r.method === 'GET' && r.path === '/sse');
    expect(firstGet).toBeGreaterThan(0);
    // Before it: the Streamable HTTP attempt (server/discover probe, then initialize), answered 405.
    expect(all.slice(0, firstGet).map((r) => `${r.method} ${r.path}`)).toEqual(['POST /sse', 'POST /sse']);
    const later = all.slice(firstGet + 1).filter((r) => r.method === 'POST');
    expect(later.length).toBeGreaterThan(0);
    expect(later.every((r) => r.path.startsWith('/messages?sessionId='))).toBe(true);
  });

  it.each(AGENTS)('serves a %s agent through it', async (revision) => {
    const agent = await connectAgent(`${h.url}/mcp/old`, { revision, headers: { authorization: `Bearer ${agentKey}` } });
    try {
      expect((await agent.listTools()).map((t) => t.name)).toEqual(['echo']);
      expect(JSON.parse(textOf(await agent.callTool('echo', { via: 'sse' })))).toEqual({ via: 'sse' });
    } finally {
      await agent.close();
    }
  });
});

/** The shared content methods of both SDK clients (as in relay.e2e-spec.ts). */
interface ContentClient {
  readResource(params: { uri: string }): Promise<{ contents: Array<{ uri: string; text?: string }> }>;
  getPrompt(params: { name: string; arguments?: Record<string, string> }): Promise<{ messages: Array<{ content: { type: string; text?: string } }> }>;
}

describe('a stdio upstream (SDK 1.x McpServer on StdioServerTransport, run by warden as its child)', () => {
  const fixtureJs = join(ROOT, 'dist', 'test', 'fixtures', basename(STDIO_FIXTURE_JS));
  let h: Harness;
  let agentKey: string;

  beforeAll(async () => {
    if (!existsSync(fixtureJs)) throw new Error(`${fixtureJs} is missing: run \`npm run build\` first (npm test does)`);
    h = await startHarness();
    const res = await h.api.request('POST', '/v1/servers', { name: 'Stdio', slug: 'stdio', transport: 'stdio', command: process.execPath, args: [fixtureJs] });
    if (res.status !== 201) throw new Error(`register: ${res.status} ${JSON.stringify(res.body)}`);
    expect(res.body.protocolVersion).toBe('2025-11-25');
    for (const tool of ['echo', 'fail', 'count']) await h.api.approve(res.body.serverId, tool, 'read');
    agentKey = (await h.api.registerAgent('matrix-stdio')).apiKey;
  });

  afterAll(() => h.cleanup());

  it.each(AGENTS)('serves a %s agent: tools, progress, a resource and a prompt, every call recorded', async (revision) => {
    const agent = await connectAgent(`${h.url}/mcp/stdio`, { revision, headers: { authorization: `Bearer ${agentKey}` } });
    try {
      expect(agent.negotiatedVersion).toBe(revision);
      expect((await agent.listTools()).map((t) => t.name).sort()).toEqual(['count', 'echo', 'fail']);
      const args = { text: `${revision}→stdio`, nested: { list: [1, 'two', null] } };
      expect(JSON.parse(textOf(await agent.callTool('echo', args)))).toEqual(args);
      expect((await agent.callTool('fail', { reason: 'expected' })).isError).toBe(true);
      const seen: number[] = [];
      const onprogress = (p: { progress: number }) => void seen.push(p.progress);
      const params = { name: 'count', arguments: { n: 3 } };
      const counted = (await (agent.sdk === 'v1' ? agent.raw.callTool(params, undefined, { onprogress }) : agent.raw.callTool(params, { onprogress }))) as AgentToolResult;
      expect(textOf(counted)).toBe('counted to 3');
      expect(seen).toEqual([1, 2, 3]);
      const content = agent.raw as unknown as ContentClient;
      expect((await surfacingRpcErrors(() => content.readResource({ uri: NOTES_INDEX_URI }))).contents[0]).toMatchObject({ uri: NOTES_INDEX_URI });
      expect((await surfacingRpcErrors(() => content.getPrompt({ name: SUMMARISE_PROMPT, arguments: { id: 'none' } }))).messages.length).toBeGreaterThan(0);
    } finally {
      await agent.close();
    }
    await h.settled();
    const decided = eventsOfType(h.dataDir, 'ToolCallDecided').filter((e) => e.data.protocolVersion === revision && e.data.endpoint === 'stdio');
    expect(decided.length).toBeGreaterThanOrEqual(3);
  });
});
