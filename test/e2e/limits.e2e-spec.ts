import { rfc3339Micros } from '@warden/ledger';
import { startGateway, type RunningGateway } from '../../src/bootstrap';
import { CLOCK, type Clock } from '../../src/ledger/clock';
import { connectAgent, textOf, type Agent } from '../fixtures/agent-clients';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { eventsOfType } from './support/ledger-reader';
import { AdminApi, startHarness, type Harness } from './support/gateway-harness';

/**
 * Rate limits and spend caps end to end: real MCP clients of both generations, a real upstream,
 * the real SQLite ledger, and the node's injected clock held still so the windows' edges are exact.
 */
describe('rate limits and spend caps', () => {
  let h: Harness;
  let gateway: RunningGateway;
  let api: AdminApi;
  let upstream: LegacyMcpServer;
  let serverId: string;
  let version = 0;
  const agents: Agent[] = [];
  // Held still: one second into a minute a little ahead, so the calls below all fall in one window.
  let nowMs = Math.ceil(Date.now() / 60_000) * 60_000 + 60_000 + 1_000;

  const holdClock = (clock: Clock) => {
    jest.spyOn(clock, 'nowMs').mockImplementation(() => nowMs);
    jest.spyOn(clock, 'nowIso').mockImplementation(() => rfc3339Micros(new Date(nowMs), 0));
  };

  beforeAll(async () => {
    upstream = await startLegacyMcpServer();
    // A step_up cap is held for an approver: wait briefly, then the pending error (the approvals flow has its own suite).
    h = await startHarness({ WARDEN_STEP_UP_WAIT_MS: '200' });
    gateway = h.gateway;
    api = h.api;
    holdClock(gateway.app.get<Clock>(CLOCK));
    serverId = (await api.registerServer('Notes', 'notes', upstream.url)).serverId;
    await api.approve(serverId, 'echo', 'read');
    await api.approve(serverId, 'read_note', 'read');
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
    await gateway.close();
    await h.cleanup();
    await upstream.close();
  });

  const agentWith = async (name: string, revision: '2025-11-25' | '2026-07-28') => {
    const { apiKey, agent: registered } = await api.registerAgent(name);
    const agent = await connectAgent(`${gateway.url}/mcp/notes`, { revision, headers: { authorization: `Bearer ${apiKey}` } });
    agents.push(agent);
    return { agent, agentId: registered.agentId, apiKey };
  };

  const applyLimits = async (set: unknown) => {
    const res = await api.request('PUT', `/v1/limits?baseVersion=${version}`, set);
    expect(res.status).toBe(200);
    version = res.body.version;
    return res;
  };

  it('refuses a malformed limit set, naming the field, and writes nothing', async () => {
    const res = await api.request('PUT', '/v1/limits?baseVersion=0', { rates: [{ id: 'x', tool: 'echo', rpm: 1 }] });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'LIMIT.SET_INVALID', field: 'rates[0].tool' });
    expect(eventsOfType(h.dataDir, 'LimitSetApplied')).toHaveLength(0);
    expect((await api.request('GET', '/v1/limits')).body).toEqual({ version: 0, digest: null, set: null });
  });

  for (const revision of ['2025-11-25', '2026-07-28'] as const) {
    it(`${revision}: the N-th call passes, the N+1-th is denied with the reset time, and the next window passes again`, async () => {
      const { agent, agentId } = await agentWith(`edge-${revision}`, revision);
      await applyLimits({ rates: [{ id: `per-agent-${revision}`, agent: agentId, tool: 'echo', server: 'notes', rpm: 3, daily: 100 }] });
      for (let i = 0; i < 3; i++) expect(textOf(await agent.callTool('echo', { text: `n${i}` }))).toContain(`n${i}`);
      const before = upstream.requests.withRpcMethod('tools/call').length;
      const windowEnd = Math.floor(nowMs / 60_000) * 60_000 + 60_000;
      await expect(agent.callTool('echo', { text: 'one too many' })).rejects.toMatchObject({
        code: -32003,
        data: {
          reason: 'LIMIT.RATE_EXCEEDED',
          gate: 'rate-limit',
          limitType: 'rpm',
          scope: 'agent+tool',
          rule: `per-agent-${revision}`,
          limit: 3,
          current: 3,
          resetAt: new Date(windowEnd).toISOString(),
          retryAfterSeconds: Math.ceil((windowEnd - nowMs) / 1000),
        },
      });
      expect(upstream.requests.withRpcMethod('tools/call').length).toBe(before);
      const denied = eventsOfType(h.dataDir, 'ToolCallDecided').at(-1)!;
      expect(denied.data).toMatchObject({ decision: 'deny', reasons: expect.arrayContaining([expect.objectContaining({ gate: 'rate-limit', code: 'LIMIT.RATE_EXCEEDED', limit: expect.objectContaining({ limitType: 'rpm' }) })]) });
      // Another tool is not under this rule.
      expect(textOf(await agent.callTool('read_note', { id: 'none' }))).toBeDefined();
      nowMs = windowEnd; // the window ends: the limit resets
      expect(textOf(await agent.callTool('echo', { text: 'next minute' }))).toContain('next minute');
      nowMs += 1_000;
    });
  }

  it('allows exactly 10 of 50 concurrent calls against a limit of 10', async () => {
    const { agent, agentId } = await agentWith('concurrent', '2025-11-25');
    await applyLimits({ rates: [{ id: 'ten', agent: agentId, rpm: 10 }] });
    const outcomes = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => agent.callTool('echo', { text: `c${i}` })));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(10);
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(refused).toHaveLength(40);
    for (const r of refused) expect(r.reason).toMatchObject({ data: { reason: 'LIMIT.RATE_EXCEEDED', limit: 10 } });
  });

  it('keeps the counts across a restart (rebuilt from the ledger, not reset)', async () => {
    const { agentId, agent, apiKey } = await agentWith('restarting', '2026-07-28');
    await applyLimits({ rates: [{ id: 'hourly-for-restart', agent: agentId, rph: 4 }] });
    for (let i = 0; i < 3; i++) await agent.callTool('echo', { text: `r${i}` });
    await agent.close();
    await h.settled();
    await gateway.close();
    gateway = await startGateway(h.config, { logger: ['error'] });
    const again = await connectAgent(`${gateway.url}/mcp/notes`, { revision: '2026-07-28', headers: { authorization: `Bearer ${apiKey}` } });
    agents.push(again);
    await again.callTool('echo', { text: 'fourth' });
    await expect(again.callTool('echo', { text: 'fifth' })).rejects.toMatchObject({ data: { reason: 'LIMIT.RATE_EXCEEDED', limitType: 'rph', current: 4 } });
    api = new AdminApi(gateway.url, h.adminKey);
  });

  it('denies a call whose estimated cost would exceed a cap, records actual cost, and attributes it', async () => {
    const { agent, agentId } = await agentWith('spender', '2025-11-25');
    await applyLimits({
      currency: 'USD',
      costs: [{ server: 'notes', tool: 'echo', amount: 0.25 }, { server: 'notes', tool: 'read_note', amount: 0.1 }],
      caps: [
        { id: 'daily-dollar', agent: agentId, daily: 1 },
        { id: 'notes-step-up', agent: agentId, tool: 'read_note', server: 'notes', daily: 0.05, onExceed: 'step_up' },
      ],
    });
    // A cap configured as step_up asks for a step-up instead of denying: held, then pending an approver.
    await expect(agent.callTool('read_note', { id: 'n' })).rejects.toMatchObject({ data: { reason: 'GATE.STEP_UP_PENDING', state: 'pending', retryable: true, approvalId: expect.any(String) } });
    const stepUp = eventsOfType(h.dataDir, 'ToolCallDecided').find((e) => e.data.agentId === agentId && e.data.decision === 'step_up');
    expect(stepUp?.data.reasons).toContainEqual(expect.objectContaining({ gate: 'spend-cap', code: 'LIMIT.SPEND_CAP', decision: 'step_up' }));
    for (let i = 0; i < 4; i++) await agent.callTool('echo', { text: `s${i}` });
    await expect(agent.callTool('echo', { text: 'over' })).rejects.toMatchObject({
      data: { reason: 'LIMIT.SPEND_CAP', gate: 'spend-cap', rule: 'daily-dollar', limitType: 'daily', cap: 1, spent: 1, estimate: 0.25, currency: 'USD' },
    });
    await h.settled();
    const completed = eventsOfType(h.dataDir, 'ToolCallCompleted').slice(-4);
    for (const e of completed) expect(e.data.cost).toEqual({ amount: 0.25, currency: 'USD', source: 'fixed' });
    const decided = eventsOfType(h.dataDir, 'ToolCallDecided').filter((e) => e.data.agentId === agentId && e.data.decision === 'allow');
    expect(decided[0].data.costEstimate).toEqual({ amount: 0.25, currency: 'USD' });
    // Up to a day ahead: an earlier test of this file held the clock a minute ahead, so these calls may be stamped after "now".
    const costs = await api.request('GET', `/v1/costs?by=agent&until=${new Date(Date.now() + 86_400_000).toISOString()}`);
    expect(costs.status).toBe(200);
    expect(costs.body.rows).toContainEqual({ key: { agentId }, currency: 'USD', amount: 1, calls: 4 });
    expect((await api.request('GET', '/v1/costs?by=nothing')).body).toMatchObject({ code: 'VALIDATION.FAILED', field: 'by' });
  });
});
