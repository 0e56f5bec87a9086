import { connectAgent, textOf, type Agent, type AgentRevision } from '../fixtures/agent-clients';
import { startLegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { CLOCK, type Clock } from '../../src/ledger/clock';
import { startGatewayWithUpstreams, type GatewayWithUpstreams } from './support/gateway-with-upstreams';
import type { AdminApi } from './support/gateway-harness';
import { readLedger } from './support/ledger-reader';

/**
 * Agents through the command API: show, update with optimistic concurrency, suspend / resume,
 * revoke (final), rotate the key with or without grace; and what the MCP edge does about each,
 * on open 2025 sessions and for stateless 2026-07-28 agents.
 */
describe('agent lifecycle', () => {
  let env: GatewayWithUpstreams;
  let api: AdminApi;
  let serverId: string;

  beforeAll(async () => {
    env = await startGatewayWithUpstreams({ notes: () => startLegacyMcpServer() }, { approve: ['echo'], agentName: 'first' });
    api = env.h.api;
    serverId = (await api.request('GET', '/v1/servers')).body.servers[0].serverId;
  });
  afterAll(() => env.close());

  const newAgent = async (name: string, labels?: Record<string, string>) => {
    const res = await api.request('POST', '/v1/agents', labels ? { name, labels } : { name });
    expect(res.status).toBe(201);
    return res.body as { agent: { agentId: string; revision: number }; apiKey: string };
  };
  const patch = (agentId: string, body: unknown, ifMatch?: string) =>
    fetch(`${env.h.url}/v1/agents/${agentId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${env.h.adminKey}`, 'content-type': 'application/json', ...(ifMatch ? { 'if-match': ifMatch } : {}) },
      body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, etag: r.headers.get('etag'), body: await r.json() }));
  const connect = (key: string, revision: AgentRevision = '2025-11-25') =>
    connectAgent(`${env.h.url}/mcp/notes`, { revision, headers: { authorization: `Bearer ${key}` } });
  const echo = async (agent: Agent, args: Record<string, unknown>) => JSON.parse(textOf(await agent.callTool('echo', args)));

  it('shows an agent with its labels and revision (ETag), and keeps other organisations out', async () => {
    const { agent } = await newAgent('labelled', { team: 'billing', tier: 'gold' });
    const shown = await fetch(`${env.h.url}/v1/agents/${agent.agentId}`, { headers: { authorization: `Bearer ${env.h.adminKey}` } });
    expect(shown.status).toBe(200);
    expect(shown.headers.get('etag')).toBe('"0"');
    expect(await shown.json()).toMatchObject({ agentId: agent.agentId, name: 'labelled', labels: { team: 'billing', tier: 'gold' }, status: 'active', revision: 0 });

    const other = await env.h.newOrganisation('other');
    for (const [method, path, body] of [
      ['GET', '', undefined],
      ['PATCH', '', { name: 'stolen' }],
      ['POST', '/suspend', undefined],
      ['POST', '/resume', undefined],
      ['POST', '/revoke', undefined],
      ['POST', '/rotate-key', {}],
    ] as const) {
      const res = await other.api.request(method, `/v1/agents/${agent.agentId}${path}`, body);
      expect([method, path, res.status, res.body.code]).toEqual([method, path, 404, 'AGENTS.UNKNOWN']);
      const unknown = await api.request(method, `/v1/agents/no-such-agent${path}`, body);
      expect([method, path, unknown.status, unknown.body.code]).toEqual([method, path, 404, 'AGENTS.UNKNOWN']);
    }
    expect((await other.api.request('GET', '/v1/agents')).body.agents).toEqual([]);
    expect((await api.request('GET', `/v1/agents/${agent.agentId}`)).body.name).toBe('labelled');
  });

  it('answers bad input with 400 and a code, changing nothing', async () => {
    const { agent } = await newAgent('strict');
    const before = readLedger(env.h.dataDir).length;
    for (const body of [{ labels: { Team: 'x' } }, { labels: { team: 7 } }, { labels: ['a'] }, { name: '' }, { servers: 'all' }, { unknown: 1 }]) {
      const res = await patch(agent.agentId, body, '"0"');
      expect([body, res.status, (res.body as { code: string }).code]).toEqual([body, 400, 'VALIDATION.FAILED']);
    }
    expect((await patch(agent.agentId, { name: 'x' })).body).toMatchObject({ code: 'CONFLICT.REVISION_REQUIRED' });
    expect((await patch(agent.agentId, { name: 'x' }, 'zero')).body).toMatchObject({ code: 'VALIDATION.FAILED' });
    expect((await patch(agent.agentId, { servers: ['no-such-server'] }, '"0"')).body).toMatchObject({ code: 'AGENTS.UNKNOWN_SERVER' });
    for (const graceSeconds of [-1, 86_401, 1.5, 'soon']) {
      const res = await api.request('POST', `/v1/agents/${agent.agentId}/rotate-key`, { graceSeconds });
      expect([graceSeconds, res.status, res.body.code]).toEqual([graceSeconds, 400, 'VALIDATION.FAILED']);
    }
    expect((await api.request('POST', '/v1/agents', { name: 'x', labels: { team: 'a\nb' } })).status).toBe(400);
    expect(readLedger(env.h.dataDir).length).toBe(before);
  });

  it('loses no update when two admins change one agent at once: one wins, the other gets 409 CONFLICT.STALE_REVISION', async () => {
    const { agent } = await newAgent('contested');
    const [a, b] = await Promise.all([patch(agent.agentId, { labels: { team: 'a' } }, '"0"'), patch(agent.agentId, { name: 'renamed' }, '"0"')]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([200, 409]);
    const [won, lost] = a.status === 200 ? [a, b] : [b, a];
    expect(lost.body).toMatchObject({ code: 'CONFLICT.STALE_REVISION', currentRevision: 1 });
    expect(won.etag).toBe('"1"');
    // The loser reads again and retries at the new revision: both changes stand.
    const retried = await patch(agent.agentId, a.status === 200 ? { name: 'renamed' } : { labels: { team: 'a' } }, won.etag!);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ name: 'renamed', labels: { team: 'a' }, revision: 2 });
    const updates = readLedger(env.h.dataDir).filter((e) => e.stream === `agent-${agent.agentId}` && e.type === 'AgentUpdated');
    expect(updates).toHaveLength(2);
    expect(updates.every((e) => e.actor.kind === 'user' && typeof e.actor.id === 'string' && e.sig.length > 0)).toBe(true);
    // A stale If-Match on a lifecycle action is refused as well, and a fresh one accepted.
    const suspend = (ifMatch: string) =>
      fetch(`${env.h.url}/v1/agents/${agent.agentId}/suspend`, { method: 'POST', headers: { authorization: `Bearer ${env.h.adminKey}`, 'if-match': ifMatch } });
    const stale = await suspend('"1"');
    expect([stale.status, ((await stale.json()) as { code: string }).code]).toEqual([409, 'CONFLICT.STALE_REVISION']);
    expect((await suspend('"2"')).status).toBe(200);
  });

  it('refuses a suspended agent on its open 2025 session, serves it again once resumed, and never again once revoked', async () => {
    const { agent: created, apiKey } = await newAgent('sessioned');
    const agent = await connect(apiKey);
    try {
      expect(await echo(agent, { n: 1 })).toEqual({ n: 1 });
      expect((await api.request('POST', `/v1/agents/${created.agentId}/suspend`)).body).toMatchObject({ status: 'suspended', revision: 1 });
      await expect(agent.callTool('echo', { n: 2 })).rejects.toMatchObject({ code: -32001, httpStatus: 403, data: { reason: 'AUTH.AGENT_SUSPENDED' } });
      // Suspending again is idempotent: nothing recorded.
      expect((await api.request('POST', `/v1/agents/${created.agentId}/suspend`)).body).toMatchObject({ status: 'suspended', revision: 1 });

      expect((await api.request('POST', `/v1/agents/${created.agentId}/resume`)).body).toMatchObject({ status: 'active', revision: 2 });
      expect(await echo(agent, { n: 3 })).toEqual({ n: 3 });

      expect((await api.request('POST', `/v1/agents/${created.agentId}/revoke`)).body).toMatchObject({ status: 'revoked' });
      await expect(agent.callTool('echo', { n: 4 })).rejects.toMatchObject({ code: -32001, httpStatus: 401, data: { reason: 'AUTH.AGENT_REVOKED' } });
      const resumed = await api.request('POST', `/v1/agents/${created.agentId}/resume`);
      expect([resumed.status, resumed.body.code, resumed.body.state]).toEqual([409, 'AGENT.REVOKED', 'revoked']);
      expect((await api.request('POST', `/v1/agents/${created.agentId}/rotate-key`, {})).body.code).toBe('AGENT.REVOKED');
    } finally {
      await agent.close().catch(() => undefined);
    }
    const rejected = readLedger(env.h.dataDir).filter((e) => e.type === 'RequestRejected' && e.data.agentId === created.agentId);
    expect(rejected.map((e) => e.data.reason)).toEqual(expect.arrayContaining(['AUTH.AGENT_SUSPENDED', 'AUTH.AGENT_REVOKED']));
    const lifecycle = readLedger(env.h.dataDir).filter((e) => e.stream === `agent-${created.agentId}`).map((e) => e.type);
    expect(lifecycle).toEqual(['AgentRegistered', 'AgentSuspended', 'AgentResumed', 'AgentRevoked']);
  });

  it('refuses a suspended 2026-07-28 agent and serves it once resumed', async () => {
    const { agent: created, apiKey } = await newAgent('stateless');
    const agent = await connect(apiKey, '2026-07-28');
    try {
      expect(await echo(agent, { n: 1 })).toEqual({ n: 1 });
      await api.request('POST', `/v1/agents/${created.agentId}/suspend`);
      await expect(agent.callTool('echo', { n: 2 })).rejects.toMatchObject({ code: -32001, data: { reason: 'AUTH.AGENT_SUSPENDED' } });
      await api.request('POST', `/v1/agents/${created.agentId}/resume`);
      expect(await echo(agent, { n: 3 })).toEqual({ n: 3 });
    } finally {
      await agent.close().catch(() => undefined);
    }
  });

  it('narrows the servers an agent may use', async () => {
    const { agent: created, apiKey } = await newAgent('narrowed');
    const agent = await connect(apiKey);
    try {
      expect(await echo(agent, { ok: true })).toEqual({ ok: true });
      expect((await patch(created.agentId, { servers: [] }, '"0"')).body).toMatchObject({ servers: [] });
      await expect(agent.callTool('echo', {})).rejects.toMatchObject({ data: { reason: 'GATE.SERVER_NOT_PERMITTED' } });
      expect((await patch(created.agentId, { servers: [serverId] }, '"1"')).body).toMatchObject({ servers: [serverId] });
      expect(await echo(agent, { again: true })).toEqual({ again: true });
    } finally {
      await agent.close().catch(() => undefined);
    }
  });

  describe('key rotation', () => {
    let clock: Clock;
    let offsetMs = 0;
    beforeAll(() => {
      clock = env.h.gateway.app.get<Clock>(CLOCK);
      const real = clock.nowMs.bind(clock);
      jest.spyOn(clock, 'nowMs').mockImplementation(() => real() + offsetMs);
    });
    afterAll(() => jest.restoreAllMocks());

    it('stops the old key at once when no grace is asked for', async () => {
      const { agent: created, apiKey: oldKey } = await newAgent('rotated-now');
      const rotated = await api.request('POST', `/v1/agents/${created.agentId}/rotate-key`, {});
      expect(rotated.status).toBe(200);
      expect(rotated.body).toMatchObject({ previousKeysValidUntil: null, agent: { revision: 1 } });
      expect(rotated.body.apiKey).toMatch(/^wdn_agent_/);
      const old = await connect(oldKey).catch((error) => error);
      expect(old).toMatchObject({ data: { reason: 'AUTH.INVALID_KEY' } });
      const fresh = await connect(rotated.body.apiKey);
      expect(await echo(fresh, { fresh: true })).toEqual({ fresh: true });
      await fresh.close();
      const recorded = JSON.stringify(readLedger(env.h.dataDir));
      expect(recorded).not.toContain(rotated.body.apiKey);
      expect(recorded).not.toContain(oldKey);
    });

    it('keeps both keys working during the grace period, on an open session too, and only the new one after it', async () => {
      const { agent: created, apiKey: oldKey } = await newAgent('rotated-later');
      const onOldKey = await connect(oldKey);
      try {
        const rotated = await api.request('POST', `/v1/agents/${created.agentId}/rotate-key`, { graceSeconds: 60 });
        expect(Date.parse(rotated.body.previousKeysValidUntil) - clock.nowMs()).toBeGreaterThan(55_000);
        const onNewKey = await connect(rotated.body.apiKey);
        expect(await echo(onOldKey, { key: 'old' })).toEqual({ key: 'old' });
        expect(await echo(onNewKey, { key: 'new' })).toEqual({ key: 'new' });

        offsetMs = 61_000;
        await expect(onOldKey.callTool('echo', {})).rejects.toMatchObject({ code: -32001, data: { reason: 'AUTH.INVALID_KEY' } });
        expect(await echo(onNewKey, { key: 'still new' })).toEqual({ key: 'still new' });
        await onNewKey.close();
      } finally {
        offsetMs = 0;
        await onOldKey.close().catch(() => undefined);
      }
    });
  });
});
