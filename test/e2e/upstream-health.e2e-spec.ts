import { connectAgent, textOf, type Agent } from '../fixtures/agent-clients';
import { startFaultyUpstream, type FaultyUpstream } from '../fixtures/faulty-upstream';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { eventsOfType } from './support/ledger-reader';
import { startHarness, type Harness } from './support/gateway-harness';
import { until } from './support/until';

/**
 * Health checks connect and list tools, on demand (POST /v1/servers/:id/health) and on a schedule.
 * A changed status is a ServerHealthChanged event; a call to an unhealthy server fails at once
 * (UPSTREAM.UNHEALTHY) without reaching it; the next check that finds it healthy lets calls through
 * again, and discovers the tools of a server registered while it was down.
 */
describe('upstream health checks', () => {
  let h: Harness;
  let upstream: LegacyMcpServer;
  let faulty: FaultyUpstream;
  let serverId: string;
  let agent: Agent;
  let agentKey: string;

  const check = async (id: string) => {
    const res = await h.api.request('POST', `/v1/servers/${id}/health`);
    expect(res.status).toBe(200);
    return res.body as { check: { status: string; reason: string | null; changed: boolean; tools?: number }; server: any };
  };
  const healthEvents = (id: string) => eventsOfType(h.dataDir, 'ServerHealthChanged').filter((e) => e.data.serverId === id).map((e) => e.data.status);

  beforeAll(async () => {
    h = await startHarness();
    upstream = await startLegacyMcpServer();
    faulty = await startFaultyUpstream(upstream.url);
    serverId = (await h.api.registerServer('Notes', 'notes', faulty.url)).serverId;
    await h.api.approve(serverId, 'echo', 'read');
    agentKey = (await h.api.registerAgent('caller')).apiKey;
    agent = await connectAgent(`${h.url}/mcp/notes`, { revision: '2025-11-25', headers: { authorization: `Bearer ${agentKey}` } });
  });

  afterAll(async () => {
    faulty.mode = 'pass';
    await agent.close();
    await h.cleanup();
    await faulty.close();
    await upstream.close();
  });

  it('finds a healthy server healthy and records nothing', async () => {
    expect((await check(serverId)).check).toEqual({ status: 'healthy', reason: null, changed: false, tools: expect.any(Number) });
    expect(healthEvents(serverId)).toEqual([]);
  });

  it('records an unreachable server, fails calls to it at once without reaching it, and lets them through after a healthy check', async () => {
    faulty.mode = 'down';
    const found = await check(serverId);
    expect(found.check).toEqual({ status: 'unreachable', reason: 'UPSTREAM.UNAVAILABLE', changed: true });
    expect(found.server.health).toMatchObject({ status: 'unreachable', reason: 'UPSTREAM.UNAVAILABLE' });
    expect((await check(serverId)).check.changed).toBe(false); // the same status is not recorded twice
    expect(healthEvents(serverId)).toEqual(['unreachable']);

    faulty.mode = 'pass';
    const reached = upstream.requests.withRpcMethod('tools/call').length;
    await expect(agent.callTool('echo', { x: 1 })).rejects.toMatchObject({ data: { reason: 'UPSTREAM.UNHEALTHY', status: 'unreachable' } });
    expect(upstream.requests.withRpcMethod('tools/call')).toHaveLength(reached);

    expect((await check(serverId)).check).toMatchObject({ status: 'healthy', changed: true });
    expect(JSON.parse(textOf(await agent.callTool('echo', { x: 2 })))).toEqual({ x: 2 });
    expect(healthEvents(serverId)).toEqual(['unreachable', 'healthy']);
  });

  it.each([
    ['unauthorized', 'unauthorized', 'UPSTREAM.UNAUTHORIZED'],
    ['garbage', 'bad_response', 'UPSTREAM.BAD_RESPONSE'],
    ['error', 'unreachable', 'UPSTREAM.UNAVAILABLE'],
  ] as const)('calls an upstream that answers %s %s (%s)', async (mode, status, reason) => {
    faulty.mode = mode;
    try {
      expect((await check(serverId)).check).toEqual({ status, reason, changed: true });
    } finally {
      faulty.mode = 'pass';
    }
    expect((await check(serverId)).check).toMatchObject({ status: 'healthy', changed: true });
  });

  it('registers a server that is down as unreachable and discovers its tools at the first check that reaches it', async () => {
    faulty.mode = 'down';
    const registered = await h.api.request('POST', '/v1/servers', { name: 'Later', slug: 'later', url: faulty.url });
    faulty.mode = 'pass';
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({ tools: [], health: { status: 'unreachable' } });
    const later = await connectAgent(`${h.url}/mcp/later`, { revision: '2025-11-25', headers: { authorization: `Bearer ${agentKey}` } });
    try {
      const found = await check(registered.body.serverId);
      expect(found.check).toMatchObject({ status: 'healthy', changed: true });
      expect(found.server.tools.map((t: any) => [t.name, t.state])).toContainEqual(['echo', 'review']);
      await h.api.approve(registered.body.serverId, 'echo', 'read');
      expect(JSON.parse(textOf(await later.callTool('echo', { later: true })))).toEqual({ later: true });
    } finally {
      await later.close();
    }
  });

  it('answers 404 for another organisation’s server, and 401 without an admin key', async () => {
    const other = await h.newOrganisation('other');
    expect((await other.api.request('POST', `/v1/servers/${serverId}/health`)).status).toBe(404);
    expect((await h.api.request('POST', `/v1/servers/${serverId}/health`, undefined, null)).status).toBe(401);
  });
});

describe('scheduled health checks', () => {
  it('checks every WARDEN_HEALTH_INTERVAL_MS and records the change without being asked', async () => {
    const upstream = await startLegacyMcpServer();
    const faulty = await startFaultyUpstream(upstream.url);
    const h = await startHarness({ WARDEN_HEALTH_INTERVAL_MS: '50' });
    try {
      const { serverId } = await h.api.registerServer('Notes', 'notes', faulty.url);
      faulty.mode = 'down';
      await until(() => eventsOfType(h.dataDir, 'ServerHealthChanged').length === 1);
      expect(eventsOfType(h.dataDir, 'ServerHealthChanged').map((e) => e.data)).toEqual([{ serverId, status: 'unreachable', reason: 'UPSTREAM.UNAVAILABLE' }]);
      faulty.mode = 'pass';
      await until(() => eventsOfType(h.dataDir, 'ServerHealthChanged').length === 2);
      expect(eventsOfType(h.dataDir, 'ServerHealthChanged').map((e) => e.data.status)).toEqual(['unreachable', 'healthy']);
      expect(eventsOfType(h.dataDir, 'ServerHealthChanged')[0].actor).toEqual({ kind: 'system', id: 'upstream-health-check' });
    } finally {
      await h.cleanup();
      await faulty.close();
      await upstream.close();
    }
  });
});
