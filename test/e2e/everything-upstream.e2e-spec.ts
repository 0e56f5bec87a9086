import { connectAgent, surfacingRpcErrors, textOf, type AgentRevision } from '../fixtures/agent-clients';
import { startEverythingServer, type EverythingServer } from '../fixtures/everything-server';
import { eventsOfType } from './support/ledger-reader';
import { startHarness, type Harness } from './support/gateway-harness';

/**
 * The gateway in front of an MCP server nobody here wrote: @modelcontextprotocol/server-everything,
 * run as a child process on 127.0.0.1. Agents of every revision reach it through warden.
 */
describe('gateway in front of @modelcontextprotocol/server-everything', () => {
  let h: Harness;
  let everything: EverythingServer;
  let agentKey: string;
  let tools: Array<{ name: string; state: string }>;

  beforeAll(async () => {
    everything = await startEverythingServer();
    h = await startHarness();
    const server = await h.api.registerServer('Everything', 'everything', everything.url);
    tools = server.tools;
    await h.api.approve(server.serverId, 'echo', 'read');
    await h.api.approve(server.serverId, 'get-sum', 'read');
    agentKey = (await h.api.registerAgent('everything-agent')).apiKey;
  }, 60_000);

  afterAll(async () => {
    await h?.cleanup();
    await everything?.close();
  });

  it('discovers its whole tool list, every tool in review', () => {
    expect(tools.length).toBeGreaterThanOrEqual(5);
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo', 'get-sum', 'get-env']));
    expect(new Set(tools.map((t) => t.state))).toEqual(new Set(['review']));
  });

  it.each<AgentRevision>(['2025-06-18', '2025-11-25', '2026-07-28'])('serves a %s agent only the approved tools and relays calls', async (revision) => {
    const agent = await connectAgent(`${h.url}/mcp/everything`, { revision, headers: { authorization: `Bearer ${agentKey}` } });
    try {
      expect((await agent.listTools()).map((t) => t.name).sort()).toEqual(['echo', 'get-sum']);
      expect(textOf(await agent.callTool('echo', { message: `via warden ${revision}` }))).toBe(`Echo: via warden ${revision}`);
      expect(textOf(await agent.callTool('get-sum', { a: 2, b: 40 }))).toContain('42');
      // get-env would hand the server's environment to any caller: it stays in review.
      await expect(agent.callTool('get-env', {})).rejects.toMatchObject({ data: { reason: 'GATE.TOOL_IN_REVIEW' } });
    } finally {
      await agent.close();
    }
  });

  it.each<AgentRevision>(['2025-11-25', '2026-07-28'])('relays its resources, templates, prompts and completions to a %s agent', async (revision) => {
    const agent = await connectAgent(`${h.url}/mcp/everything`, { revision, headers: { authorization: `Bearer ${agentKey}` } });
    const client = agent.raw as unknown as {
      listResources(): Promise<{ resources: Array<{ uri: string }> }>;
      listResourceTemplates(): Promise<{ resourceTemplates: Array<{ uriTemplate: string }> }>;
      readResource(p: { uri: string }): Promise<{ contents: Array<{ uri: string; text?: string }> }>;
      getPrompt(p: { name: string; arguments?: Record<string, string> }): Promise<{ messages: Array<{ content: { text?: string } }> }>;
      complete(p: object): Promise<{ completion: { values: string[] } }>;
    };
    try {
      const { resources } = await surfacingRpcErrors(() => client.listResources());
      expect(resources.length).toBeGreaterThan(0);
      const read = await surfacingRpcErrors(() => client.readResource({ uri: resources[0].uri }));
      expect(read.contents[0].uri).toBe(resources[0].uri);
      expect((await surfacingRpcErrors(() => client.listResourceTemplates())).resourceTemplates.length).toBeGreaterThan(0);
      const prompt = await surfacingRpcErrors(() => client.getPrompt({ name: 'args-prompt', arguments: { city: 'Lyon' } }));
      expect(JSON.stringify(prompt.messages)).toContain('Lyon');
      const completion = await surfacingRpcErrors(() =>
        client.complete({ ref: { type: 'ref/prompt', name: 'completable-prompt' }, argument: { name: 'department', value: 'E' } }),
      );
      expect(completion.completion.values).toContain('Engineering');
    } finally {
      await agent.close();
    }
  });

  it('recorded every decision and completion', async () => {
    await h.settled();
    const decided = eventsOfType(h.dataDir, 'ToolCallDecided');
    expect(decided.filter((e) => e.data.decision === 'allow')).toHaveLength(6);
    expect(decided.filter((e) => e.data.decision === 'deny').map((e) => e.data.tool)).toEqual(['get-env', 'get-env', 'get-env']);
    expect(eventsOfType(h.dataDir, 'ToolCallCompleted')).toHaveLength(6);
  });
});
