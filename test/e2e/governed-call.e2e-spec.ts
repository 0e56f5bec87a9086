import { connectAgent, textOf, type Agent } from '../fixtures/agent-clients';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { eventsOfType, readLedger } from './support/ledger-reader';
import { startHarness, type Harness } from './support/gateway-harness';

/** The user journey: register → discover (review) → approve → an agent lists and calls. */
describe('one governed MCP call, end to end', () => {
  let h: Harness;
  let upstream: LegacyMcpServer;
  let server: { serverId: string; slug: string; tools: Array<{ name: string; state: string }> };
  let agentKey: string;
  let agent: Agent | undefined;

  beforeAll(async () => {
    upstream = await startLegacyMcpServer();
    h = await startHarness();
    server = await h.api.registerServer('Notes', 'notes', upstream.url);
    agentKey = (await h.api.registerAgent('assistant')).apiKey;
  });

  afterEach(async () => {
    await agent?.close().catch(() => undefined);
    agent = undefined;
  });

  afterAll(async () => {
    await h.cleanup();
    await upstream.close();
  });

  const connect = (path: string, revision: '2025-11-25' | '2026-07-28' = '2025-11-25') =>
    connectAgent(`${h.url}${path}`, { revision, headers: { authorization: `Bearer ${agentKey}` } }).then((a) => (agent = a));

  it('puts every discovered tool in review, so none is listed or callable', async () => {
    expect(server.tools.map((t) => t.state)).toEqual(server.tools.map(() => 'review'));
    expect(server.tools.map((t) => t.name).sort()).toEqual(['count', 'delete_everything', 'echo', 'fail', 'read_note', 'regional_echo', 'slow', 'write_note']);
    const a = await connect('/mcp/notes');
    expect(await a.listTools()).toEqual([]);
    await expect(a.callTool('echo', { text: 'hi' })).rejects.toMatchObject({ code: -32003, data: { reason: 'GATE.TOOL_IN_REVIEW' } });
    expect(upstream.requests.withRpcMethod('tools/call')).toHaveLength(0);
  });

  it('lists and forwards an approved tool, returning the upstream’s result unchanged', async () => {
    await h.api.approve(server.serverId, 'echo', 'read');
    const a = await connect('/mcp/notes');
    const tools = await a.listTools();
    expect(tools.map((t) => t.name)).toEqual(['echo']);
    const result = await a.callTool('echo', { text: 'héllo ✓', n: 3 });
    expect(JSON.parse(textOf(result))).toEqual({ text: 'héllo ✓', n: 3 });
    const forwarded = upstream.requests.withRpcMethod('tools/call');
    expect(forwarded).toHaveLength(1);
    expect((forwarded[0].body as any).params).toMatchObject({ name: 'echo', arguments: { text: 'héllo ✓', n: 3 } });
  });

  it('records ToolCallDecided before ToolCallCompleted, both signed on the node’s calls stream', async () => {
    await h.settled();
    const decided = eventsOfType(h.dataDir, 'ToolCallDecided').filter((e) => e.data.decision === 'allow');
    const completed = eventsOfType(h.dataDir, 'ToolCallCompleted');
    expect(decided).toHaveLength(1);
    expect(completed).toHaveLength(1);
    expect(completed[0].data.callId).toBe(decided[0].data.callId);
    expect(completed[0].seq).toBeGreaterThan(decided[0].seq);
    expect(decided[0].stream).toBe(`calls-${h.orgId}-node-1`);
    expect(decided[0].payload?.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(completed[0].data.latencyMs).toBeGreaterThan(0);
    expect(completed[0].data.upstreamMs).toBeGreaterThan(0);
    // Arguments live in the encrypted payload store, never in the envelope.
    expect(JSON.stringify(readLedger(h.dataDir))).not.toContain('héllo');
  });

  it('aggregates every server the agent may use on /mcp, tools prefixed by slug', async () => {
    const other = await startLegacyMcpServer();
    try {
      const second = await h.api.registerServer('Archive', 'archive', other.url);
      await h.api.approve(second.serverId, 'read_note', 'read');
      other.notes.set('n1', 'archived text');
      const a = await connect('/mcp');
      expect((await a.listTools()).map((t) => t.name).sort()).toEqual(['archive__read_note', 'notes__echo']);
      const result = await a.callTool('archive__read_note', { id: 'n1' });
      expect(textOf(result)).toBe('archived text');
      expect(other.requests.withRpcMethod('tools/call')).toHaveLength(1);
      await expect(a.callTool('archive__echo', { text: 'x' })).rejects.toMatchObject({ data: { reason: 'GATE.TOOL_IN_REVIEW' } });
      await expect(a.callTool('nosuch__echo', { text: 'x' })).rejects.toMatchObject({ code: -32602, data: { reason: 'GATE.UNKNOWN_TOOL' } });
    } finally {
      await other.close();
    }
  });

  it('narrows an agent to its allowed servers', async () => {
    const narrowKey = (await h.api.registerAgent('narrow', [server.serverId])).apiKey;
    const a = await connectAgent(`${h.url}/mcp`, { revision: '2026-07-28', headers: { authorization: `Bearer ${narrowKey}` } });
    agent = a;
    expect((await a.listTools()).map((t) => t.name)).toEqual(['notes__echo']);
    await expect(a.callTool('archive__read_note', { id: 'n1' })).rejects.toMatchObject({ data: { reason: 'GATE.SERVER_NOT_PERMITTED' } });
  });

  it('keeps every agent and admin key out of the ledger and payload files', async () => {
    const { readFileSync, readdirSync } = await import('node:fs');
    for (const file of readdirSync(h.dataDir).filter((f) => f.endsWith('.db') || f.endsWith('-wal'))) {
      const bytes = readFileSync(`${h.dataDir}/${file}`).toString('latin1');
      expect(bytes).not.toContain(agentKey);
      expect(bytes).not.toContain(h.adminKey);
    }
  });
});
