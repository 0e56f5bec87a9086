import { connectAgent, textOf, type Agent } from '../fixtures/agent-clients';
import { startFaultyUpstream, type FaultyUpstream } from '../fixtures/faulty-upstream';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { startHarness, type Harness } from './support/gateway-harness';

/**
 * One agent's failure must not hurt the others: the pooled upstream session that every agent
 * shares survives a response stream the upstream cuts short (resumed with Last-Event-ID,
 * SEP-1699) and a failed request; only the upstream ending the session (404) replaces it.
 */
describe('upstream resilience: resumed streams and a pooled session that outlives one failure', () => {
  let h: Harness;
  let upstream: LegacyMcpServer;
  let faulty: FaultyUpstream;
  let serverId: string;
  let proxiedId: string;
  let agentKey: string;
  const agents: Agent[] = [];

  const connect = async (path: string) => {
    const agent = await connectAgent(`${h.url}${path}`, { revision: '2025-11-25', headers: { authorization: `Bearer ${agentKey}` } });
    agents.push(agent);
    return agent;
  };
  const pool = async (id: string) => (await h.api.request('GET', `/v1/servers/${id}`)).body.pool;

  beforeAll(async () => {
    h = await startHarness();
    upstream = await startLegacyMcpServer({ withStreamCut: true });
    faulty = await startFaultyUpstream(upstream.url);
    serverId = (await h.api.registerServer('Cutting', 'cutting', upstream.url)).serverId;
    await h.api.approve(serverId, 'cut_stream', 'read');
    await h.api.approve(serverId, 'echo', 'read');
    proxiedId = (await h.api.registerServer('Proxied', 'proxied', faulty.url)).serverId;
    await h.api.approve(proxiedId, 'echo', 'read');
    agentKey = (await h.api.registerAgent('caller')).apiKey;
  });

  afterAll(async () => {
    for (const agent of agents) await agent.close();
    await h.cleanup();
    await faulty.close();
    await upstream.close();
  });

  it('gets the full answer when the upstream closes the call’s stream after its first event, by resuming with Last-Event-ID', async () => {
    const agent = await connect('/mcp/cutting');
    const result = await agent.callTool('cut_stream', { text: 'hello' });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toBe('after the cut: hello');

    const resumes = upstream.requests.all().filter((r) => r.method === 'GET' && r.headers['last-event-id'] !== undefined);
    expect(resumes).toHaveLength(1);
    expect(upstream.resumedAfter).toEqual([resumes[0].headers['last-event-id']]);
    expect(resumes[0].headers['mcp-session-id']).toEqual(expect.any(String));
    expect(resumes[0].headers.accept).toContain('text/event-stream');

    // The same pooled session serves the next call and another agent.
    const other = await connect('/mcp/cutting');
    expect(JSON.parse(textOf(await other.callTool('echo', { still: 'here' })))).toEqual({ still: 'here' });
    expect(await pool(serverId)).toMatchObject({ state: 'open', reconnects: 0, resumptions: 1, active: 0, waiters: 0 });
  });

  it('keeps the pooled session when a request fails without the upstream ending the session', async () => {
    const agent = await connect('/mcp/proxied');
    expect(JSON.parse(textOf(await agent.callTool('echo', { n: 1 })))).toEqual({ n: 1 });
    faulty.mode = 'down';
    await expect(agent.callTool('echo', { n: 2 })).rejects.toMatchObject({ data: { reason: 'UPSTREAM.UNAVAILABLE' } });
    faulty.mode = 'error';
    await expect(agent.callTool('echo', { n: 3 })).rejects.toMatchObject({ data: { reason: 'UPSTREAM.UNAVAILABLE' } });
    faulty.mode = 'pass';
    expect(JSON.parse(textOf(await agent.callTool('echo', { n: 4 })))).toEqual({ n: 4 });
    expect(await pool(proxiedId)).toMatchObject({ state: 'open', reconnects: 0 });
  });

  it('replaces the session once the upstream has ended it (404 on the session)', async () => {
    const agent = await connect('/mcp/proxied');
    expect(JSON.parse(textOf(await agent.callTool('echo', { before: true })))).toEqual({ before: true });
    for (const sessionId of upstream.sessionIds()) {
      await fetch(upstream.url, { method: 'DELETE', headers: { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' } });
    }
    await expect(agent.callTool('echo', { lost: true })).rejects.toMatchObject({ data: { reason: 'UPSTREAM.UNAVAILABLE' } });
    expect(JSON.parse(textOf(await agent.callTool('echo', { after: true })))).toEqual({ after: true });
    expect(await pool(proxiedId)).toMatchObject({ state: 'open', reconnects: 1 });
  });
});
