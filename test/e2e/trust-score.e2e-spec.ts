import { startGateway } from '../../src/bootstrap';
import { CLOCK, type Clock } from '../../src/ledger/clock';
import { connectAgent, textOf, type Agent, type AgentRevision, type AgentToolResult } from '../fixtures/agent-clients';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { eventsOfType } from './support/ledger-reader';
import { AdminApi, startHarness, type Harness } from './support/gateway-harness';

const POLICY = {
  defaults: { read: 'allow', write: { decision: 'allow', when: 'trust >= 60' }, destructive: 'deny' },
  rules: [{ id: 'no-secret-notes', tool: 'read_note', when: 'mcp.tool.arguments.id.startsWith("secret")', decision: 'deny' }],
};
const DAY_MS = 86_400_000;

/** Trust scores: a projection of the ledger the policy gate reads, failing closed when stale. */
describe('trust score', () => {
  let h: Harness;
  let upstream: LegacyMcpServer;
  const agents: Agent[] = [];
  const ids: Record<string, { agentId: string; apiKey: string }> = {};

  beforeAll(async () => {
    upstream = await startLegacyMcpServer();
    h = await startHarness({ WARDEN_TRUST_MAX_AGE_MS: String(DAY_MS) });
    const { serverId } = await h.api.registerServer('Notes', 'notes', upstream.url);
    await h.api.approve(serverId, 'write_note', 'write');
    await h.api.approve(serverId, 'read_note', 'read');
    expect((await h.api.request('PUT', '/v1/policies?baseVersion=0', POLICY)).status).toBe(200);
    for (const revision of ['2025-11-25', '2026-07-28']) {
      const r = await h.api.registerAgent(`agent-${revision}`);
      ids[revision] = { agentId: r.agent.agentId, apiKey: r.apiKey };
    }
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
    await h.cleanup();
    await upstream.close();
  });

  const connect = async (revision: AgentRevision) => {
    const agent = await connectAgent(`${h.url}/mcp/notes`, { revision, headers: { authorization: `Bearer ${ids[revision].apiKey}` } });
    agents.push(agent);
    return agent;
  };
  const lastDecision = async (agentId: string) => {
    await h.settled();
    const decided = eventsOfType(h.dataDir, 'ToolCallDecided').filter((e) => e.data.agentId === agentId);
    return decided[decided.length - 1].data;
  };

  for (const revision of ['2025-11-25', '2026-07-28'] as const) {
    describe(`an agent on ${revision}`, () => {
      it('starts at 50: a write that needs trust >= 60 is denied, with the score in the record', async () => {
        const a = await connect(revision);
        await expect(a.callTool('write_note', { id: 'w', text: 'x' })).rejects.toMatchObject({ code: -32003, data: { reason: 'POLICY.CLASS_DEFAULT', rules: ['default.write'] } });
        expect(await lastDecision(ids[revision].agentId)).toMatchObject({ decision: 'deny', trust: 50 });
      });

      it('is allowed the write after an attestation of 80', async () => {
        const res = await h.api.request('POST', `/v1/agents/${ids[revision].agentId}/attest`, { score: 80, reason: 'reviewed its code' });
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ state: 'known', score: 80, inputs: { base: 80, attested: true, denials: 0 } });
        const a = await connect(revision);
        expect(textOf((await a.callTool('write_note', { id: `w-${revision}`, text: 'trusted' })) as AgentToolResult)).toBe(`stored note w-${revision}`);
        expect(await lastDecision(ids[revision].agentId)).toMatchObject({ decision: 'allow', trust: 80 });
      });

      it('is denied again after many denials lowered its score', async () => {
        const a = await connect(revision);
        for (let i = 0; i < 6; i++) await expect(a.callTool('read_note', { id: `secret-${i}` })).rejects.toMatchObject({ data: { reason: 'POLICY.RULE_MATCHED' } });
        await h.settled();
        const trust = await h.api.request('GET', `/v1/agents/${ids[revision].agentId}/trust`);
        expect(trust.body).toMatchObject({ state: 'known', score: 56, inputs: { base: 80, denials: 6, calls: 7 }, ageMs: expect.any(Number) });
        await expect(a.callTool('write_note', { id: 'w2', text: 'x' })).rejects.toMatchObject({ data: { reason: 'POLICY.CLASS_DEFAULT' } });
        expect(await lastDecision(ids[revision].agentId)).toMatchObject({ decision: 'deny', trust: 56 });
      });
    });
  }

  it('denies as POLICY.TRUST_STALE when the score has not been updated within WARDEN_TRUST_MAX_AGE_MS', async () => {
    const agentId = ids['2026-07-28'].agentId;
    await h.api.request('POST', `/v1/agents/${agentId}/attest`, { score: 90, reason: 'fresh start' });
    const a = await connect('2026-07-28');
    expect(textOf((await a.callTool('write_note', { id: 'fresh', text: 'ok' })) as AgentToolResult)).toBe('stored note fresh');
    const clock = h.gateway.app.get<Clock>(CLOCK);
    const spy = jest.spyOn(clock, 'nowMs').mockImplementation(() => Date.now() + 2 * DAY_MS);
    try {
      await expect(a.callTool('write_note', { id: 'stale', text: 'no' })).rejects.toMatchObject({ code: -32003, data: { reason: 'POLICY.TRUST_STALE', rules: ['default.write'] } });
      expect(upstream.notes.get('stale')).toBeUndefined();
      expect((await h.api.request('GET', `/v1/agents/${agentId}/trust`)).body).toMatchObject({ state: 'stale', score: 90 });
      const recorded = await lastDecision(agentId);
      expect(recorded.decision).toBe('deny');
      expect(recorded.trust).toBeUndefined();
      expect(recorded.reasons).toContainEqual(expect.objectContaining({ gate: 'policy', code: 'POLICY.TRUST_STALE' }));
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses attestations from non-admins and bad input, and changes nothing', async () => {
    const agentId = ids['2025-11-25'].agentId;
    const operator = new AdminApi(h.url, (await h.api.createUser('Otto', ['operator'])).apiKey);
    expect((await operator.request('POST', `/v1/agents/${agentId}/attest`, { score: 100, reason: 'me' })).status).toBe(403);
    expect((await operator.request('GET', `/v1/agents/${agentId}/trust`)).status).toBe(200);
    expect((await h.api.request('POST', `/v1/agents/${agentId}/attest`, { score: 101, reason: 'x' })).status).toBe(400);
    expect((await h.api.request('POST', `/v1/agents/${agentId}/attest`, { score: 70 })).status).toBe(400);
    expect((await h.api.request('POST', '/v1/agents/nope/attest', { score: 70, reason: 'x' })).status).toBe(404);
    expect(eventsOfType(h.dataDir, 'AgentTrustAttested').map((e) => e.data.score)).toEqual([80, 80, 90]);
  });

  it('is rebuilt by replay: a restarted node computes the same scores from the ledger', async () => {
    const before = (await h.api.request('GET', `/v1/agents/${ids['2025-11-25'].agentId}/trust`)).body;
    await Promise.all(agents.splice(0).map((a) => a.close().catch(() => undefined)));
    await h.stop();
    const again = await startGateway(h.config, { logger: ['error'] });
    try {
      const api = new AdminApi(again.url, h.adminKey);
      const after = (await api.request('GET', `/v1/agents/${ids['2025-11-25'].agentId}/trust`)).body;
      expect(after).toMatchObject({ state: 'known', score: before.score, inputs: before.inputs });
      expect(after.score).toBe(52);
    } finally {
      await again.close();
    }
  });
});
