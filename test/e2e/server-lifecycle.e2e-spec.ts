import { connectAgent, textOf, type Agent, type AgentRevision } from '../fixtures/agent-clients';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { ServerSessionCloser } from '../../src/registry/server-session-closer';
import { startHarness, type Harness } from './support/gateway-harness';
import { readLedger } from './support/ledger-reader';
import { until } from './support/until';

/**
 * Servers through the command API: update (URL re-validated and re-discovered), disable and
 * enable, remove (final). A disabled or removed server's tools are neither listed nor callable,
 * and the upstream sees its pooled session end.
 */
describe('server lifecycle', () => {
  let h: Harness;
  let notes: LegacyMcpServer;
  let moved: LegacyMcpServer;
  let serverId: string;
  let agentKey: string;

  beforeAll(async () => {
    h = await startHarness();
    notes = await startLegacyMcpServer();
    moved = await startLegacyMcpServer();
    serverId = (await h.api.registerServer('Notes', 'notes', notes.url)).serverId;
    await h.api.approve(serverId, 'echo', 'read');
    agentKey = (await h.api.registerAgent('caller')).apiKey;
  });
  afterAll(async () => {
    await h.cleanup();
    await notes.close();
    await moved.close();
  });

  const call = (method: string, path: string, body?: unknown, ifMatch?: string) =>
    fetch(`${h.url}/v1/servers/${serverId}${path}`, {
      method,
      headers: { authorization: `Bearer ${h.adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(ifMatch ? { 'if-match': ifMatch } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, etag: r.headers.get('etag'), body: (await r.json()) as any }));
  const connect = (endpoint: string, revision: AgentRevision = '2025-11-25') =>
    connectAgent(`${h.url}${endpoint}`, { revision, headers: { authorization: `Bearer ${agentKey}` } });
  const echo = async (agent: Agent, name: string, args: Record<string, unknown>) => JSON.parse(textOf(await agent.callTool(name, args)));

  it('keeps other organisations out and answers bad input with a code, changing nothing', async () => {
    const other = await h.newOrganisation('other');
    for (const [method, path, body] of [
      ['GET', '', undefined],
      ['PATCH', '', { name: 'x' }],
      ['POST', '/disable', undefined],
      ['POST', '/enable', undefined],
      ['POST', '/remove', undefined],
    ] as const) {
      const res = await other.api.request(method, `/v1/servers/${serverId}${path}`, body);
      expect([method, path, res.status, res.body.code]).toEqual([method, path, 404, 'REGISTRY.SERVER_UNKNOWN']);
      const unknown = await h.api.request(method, `/v1/servers/no-such-server${path}`, body);
      expect([method, path, unknown.status, unknown.body.code]).toEqual([method, path, 404, 'REGISTRY.SERVER_UNKNOWN']);
    }
    const before = readLedger(h.dataDir).length;
    const { etag } = await call('GET', '');
    expect((await call('PATCH', '', { name: 'x' })).body.code).toBe('CONFLICT.REVISION_REQUIRED');
    expect((await call('PATCH', '', { name: '' }, etag!)).body.code).toBe('VALIDATION.FAILED');
    expect((await call('PATCH', '', { slug: 'other' }, etag!)).body.code).toBe('VALIDATION.FAILED');
    expect((await call('PATCH', '', { url: 'ftp://127.0.0.1/mcp' }, etag!)).body.code).toBe('UPSTREAM.INVALID_URL');
    const secret = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
    const withSecret = await call('PATCH', '', { url: `${moved.url}?token=${secret}` }, etag!);
    expect([withSecret.status, withSecret.body.code]).toEqual([400, 'UPSTREAM.CREDENTIALS_IN_URL']);
    expect(JSON.stringify(withSecret.body)).not.toContain(secret);
    expect(readLedger(h.dataDir).length).toBe(before);
    expect(JSON.stringify(readLedger(h.dataDir))).not.toContain(secret);
  });

  it('moves a server to a new URL: discovered again there, a changed tool back in review', async () => {
    moved.setToolDescription('echo', 'Echoes, from the new home.');
    const { etag } = await call('GET', '');
    const [a, b] = await Promise.all([call('PATCH', '', { name: 'Renamed' }, etag!), call('PATCH', '', { name: 'Other name' }, etag!)]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect((a.status === 409 ? a : b).body.code).toBe('CONFLICT.STALE_REVISION');
    const current = await call('GET', '');
    const res = await call('PATCH', '', { url: moved.url }, current.etag!);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ url: moved.url, slug: 'notes', status: 'active' });
    expect(res.body.tools.find((t: { name: string }) => t.name === 'echo').state).toBe('review');
    const updated = readLedger(h.dataDir).filter((e) => e.type === 'ServerUpdated' && e.stream === `server-${serverId}`);
    expect(updated.map((e) => e.data.url ?? e.data.name)).toEqual([expect.any(String), moved.url]);
    expect(updated.every((e) => e.actor.kind === 'user')).toBe(true);
    await h.api.approve(serverId, 'echo', 'read');
    const agent = await connect('/mcp/notes');
    expect(await echo(agent, 'echo', { at: 'moved' })).toEqual({ at: 'moved' });
    await agent.close();
  });

  it('hides and refuses a disabled server’s tools, closes its pooled session, and serves it again once enabled', async () => {
    const direct = await connect('/mcp/notes');
    const aggregate = await connect('/mcp', '2026-07-28');
    try {
      expect(await echo(direct, 'echo', { n: 1 })).toEqual({ n: 1 });
      expect(moved.sessionIds()).toHaveLength(1);
      const pooledSession = moved.sessionIds()[0];

      const disabled = await call('POST', '/disable');
      expect(disabled.body).toMatchObject({ status: 'disabled' });
      await h.gateway.app.get(ServerSessionCloser).idle();
      await until(() => moved.sessionIds().length === 0);
      const deleted = moved.requests.all().filter((r) => r.method === 'DELETE').map((r) => r.headers['mcp-session-id']);
      expect(deleted).toContain(pooledSession);

      const callsBefore = moved.requests.withRpcMethod('tools/call').length;
      await expect(direct.callTool('echo', { n: 2 })).rejects.toMatchObject({ code: -32003, data: { reason: 'GATE.SERVER_DISABLED' } });
      await expect(aggregate.callTool('notes__echo', { n: 2 })).rejects.toMatchObject({ data: { reason: 'GATE.SERVER_DISABLED' } });
      expect(await direct.listTools()).toEqual([]);
      expect(await aggregate.listTools()).toEqual([]);
      expect(moved.requests.withRpcMethod('tools/call')).toHaveLength(callsBefore);
      expect(moved.sessionIds()).toHaveLength(0);
      expect((await call('POST', '/disable')).body).toMatchObject({ status: 'disabled', revision: disabled.body.revision });

      expect((await call('POST', '/enable')).body).toMatchObject({ status: 'active' });
      expect((await direct.listTools()).map((t) => t.name)).toEqual(['echo']);
      expect(await echo(aggregate, 'notes__echo', { n: 3 })).toEqual({ n: 3 });
    } finally {
      await direct.close().catch(() => undefined);
      await aggregate.close().catch(() => undefined);
    }
  });

  it('removes a server for good: its tools refused with GATE.SERVER_REMOVED, any later change 409 SERVER.REMOVED', async () => {
    const agent = await connect('/mcp/notes');
    try {
      expect(await echo(agent, 'echo', { last: true })).toEqual({ last: true });
      expect((await call('POST', '/remove')).body).toMatchObject({ status: 'removed' });
      await h.gateway.app.get(ServerSessionCloser).idle();
      await until(() => moved.sessionIds().length === 0);
      await expect(agent.callTool('echo', {})).rejects.toMatchObject({ data: { reason: 'GATE.SERVER_REMOVED' } });
      expect(await agent.listTools()).toEqual([]);
      for (const [method, path, body] of [['POST', '/enable'], ['POST', '/disable'], ['POST', '/rediscover'], ['POST', '/tools/echo/approve', { riskClass: 'read' }]] as const) {
        const res = await call(method, path, body);
        expect([path, res.status, res.body.code]).toEqual([path, 409, 'SERVER.REMOVED']);
      }
      const { etag } = await call('GET', '');
      const res = await call('PATCH', '', { name: 'back' }, etag!);
      expect([res.status, res.body.code]).toEqual([409, 'SERVER.REMOVED']);
      expect((await h.api.request('POST', '/v1/servers', { name: 'again', slug: 'notes', url: notes.url })).body.code).toBe('REGISTRY.SLUG_TAKEN');
    } finally {
      await agent.close().catch(() => undefined);
    }
    const lifecycle = readLedger(h.dataDir).filter((e) => e.stream === `server-${serverId}`).map((e) => e.type);
    expect(lifecycle).toEqual(expect.arrayContaining(['ServerDisabled', 'ServerEnabled', 'ServerRemoved']));
  });
});
