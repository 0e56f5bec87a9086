import { createHmac, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { startGateway } from '../../src/bootstrap';
import { keysCommand } from '../../src/cli/keys';
import { CLOCK, type Clock } from '../../src/ledger/clock';
import { ApprovalNotifier } from '../../src/approvals/approval-notifier';
import { connectAgent, textOf, type Agent, type AgentRevision, type AgentToolResult } from '../fixtures/agent-clients';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { listenOnLoopback, type LoopbackHttpServer } from '../fixtures/loopback-http';
import { CapturedLogs } from './support/captured-logs';
import { eventsOfType, readLedger } from './support/ledger-reader';
import { startHarness, type AdminApi, type Harness } from './support/gateway-harness';
import { until } from './support/until';

/** write: step_up (every write needs an approver), read: allow. */
const POLICY = { defaults: { read: 'allow', write: 'step_up', destructive: 'deny' }, rules: [] };
const REVISIONS: AgentRevision[] = ['2025-11-25', '2026-07-28'];

interface Setup {
  h: Harness;
  upstream: LegacyMcpServer;
  agentKey: string;
  agentId: string;
  approver: AdminApi;
  operator: AdminApi;
  agents: Agent[];
  connect(revision: AgentRevision): Promise<Agent>;
  writes(): number;
}

async function setUp(env: Record<string, string>, logs?: CapturedLogs): Promise<Setup> {
  const upstream = await startLegacyMcpServer();
  const h = await startHarness(env, logs ? { logger: logs.logger } : {});
  const { serverId } = await h.api.registerServer('Notes', 'notes', upstream.url);
  await h.api.approve(serverId, 'write_note', 'write');
  await h.api.approve(serverId, 'read_note', 'read');
  expect((await h.api.request('PUT', '/v1/policies?baseVersion=0', POLICY)).status).toBe(200);
  // The bootstrap admin registers the agent, so it is the agent's owner.
  const registered = await h.api.registerAgent('assistant');
  const api = (key: string) => new (h.api.constructor as new (url: string, key: string) => AdminApi)(h.url, key);
  const approver = api((await h.api.createUser('Ada Approver', ['approver'])).apiKey);
  const operator = api((await h.api.createUser('Otto Operator', ['operator'])).apiKey);
  const agents: Agent[] = [];
  return {
    h,
    upstream,
    agentKey: registered.apiKey,
    agentId: registered.agent.agentId,
    approver,
    operator,
    agents,
    async connect(revision) {
      const agent = await connectAgent(`${h.url}/mcp/notes`, { revision, headers: { authorization: `Bearer ${registered.apiKey}` } });
      agents.push(agent);
      return agent;
    },
    writes: () => upstream.requests.withRpcMethod('tools/call').filter((r: any) => r.body?.params?.name === 'write_note').length,
  };
}

async function tearDown(s: Setup | undefined): Promise<void> {
  if (!s) return;
  await Promise.all(s.agents.map((a) => a.close().catch(() => undefined)));
  await s.h.cleanup();
  await s.upstream.close();
}

/** The agent's error for a held call, as the SDK client surfaces it. */
async function pendingOf(call: Promise<unknown>): Promise<{ approvalId: string; state: string; retryable: boolean; reason: string; rules?: string[] }> {
  const error = (await call.then(
    () => {
      throw new Error('the call was not held');
    },
    (e: unknown) => e,
  )) as { code: number; data: any };
  expect(error.code).toBe(-32003);
  return error.data;
}

describe('step-up approvals (no wait: the pending answer comes at once)', () => {
  let s: Setup;

  beforeAll(async () => {
    s = await setUp({ WARDEN_STEP_UP_WAIT_MS: '0', WARDEN_STEP_UP_APPROVAL_TTL_MS: '60000' });
  });
  afterAll(() => tearDown(s));

  for (const revision of REVISIONS) {
    describe(`an agent on ${revision}`, () => {
      it('is held with a pending error, approved through the API, passes its retry once, and needs a new approval after that', async () => {
        const a = await s.connect(revision);
        const args = { id: `n-${revision}`, text: 'approved text' };
        const before = s.writes();
        const pending = await pendingOf(a.callTool('write_note', args));
        expect(pending).toMatchObject({ reason: 'GATE.STEP_UP_PENDING', retryable: true, state: 'pending', rules: ['default.write'], approvalId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
        expect(s.writes()).toBe(before);

        const listed = await s.approver.request('GET', '/v1/approvals?state=pending');
        expect(listed.status).toBe(200);
        expect(listed.body.approvals).toContainEqual(expect.objectContaining({ approvalId: pending.approvalId, agentId: s.agentId, tool: 'write_note', state: 'pending' }));

        const approved = await s.approver.request('POST', `/v1/approvals/${pending.approvalId}/approve`, { comment: 'looks fine' });
        expect(approved.status).toBe(200);
        expect(approved.body).toMatchObject({ state: 'approved', decision: { verdict: 'approved', comment: 'looks fine', approver: { kind: 'user' } } });

        expect(textOf((await a.callTool('write_note', args)) as AgentToolResult)).toBe(`stored note ${args.id}`);
        expect(s.writes()).toBe(before + 1);
        expect(s.upstream.notes.get(args.id)).toBe('approved text');

        const again = await pendingOf(a.callTool('write_note', args));
        expect(again.state).toBe('pending');
        expect(again.approvalId).not.toBe(pending.approvalId);
        expect(s.writes()).toBe(before + 1);
      });

      it('does not release a call with other arguments: that is a new step-up', async () => {
        const a = await s.connect(revision);
        const first = await pendingOf(a.callTool('write_note', { id: 'x', text: 'one' }));
        expect((await s.approver.request('POST', `/v1/approvals/${first.approvalId}/approve`, {})).status).toBe(200);
        const before = s.writes();
        const other = await pendingOf(a.callTool('write_note', { id: 'x', text: 'two' }));
        expect(other.approvalId).not.toBe(first.approvalId);
        expect(s.writes()).toBe(before);
        // The approval still waits for its own arguments.
        expect(textOf((await a.callTool('write_note', { id: 'x', text: 'one' })) as AgentToolResult)).toBe('stored note x');
      });

      it('is not released by a denied approval', async () => {
        const a = await s.connect(revision);
        const args = { id: 'denied', text: 'no' };
        const first = await pendingOf(a.callTool('write_note', args));
        const denied = await s.approver.request('POST', `/v1/approvals/${first.approvalId}/deny`, { comment: 'not today' });
        expect(denied.body).toMatchObject({ state: 'denied', decision: { verdict: 'denied', comment: 'not today' } });
        const before = s.writes();
        const retry = await pendingOf(a.callTool('write_note', args));
        expect(retry.approvalId).not.toBe(first.approvalId);
        expect(s.writes()).toBe(before);
        expect((await s.approver.request('POST', `/v1/approvals/${first.approvalId}/approve`, {})).body).toMatchObject({ code: 'APPROVAL.NOT_PENDING' });
      });
    });
  }

  it('refuses self-approval by the agent’s owner, and approval by a non-approver', async () => {
    const a = await s.connect('2025-11-25');
    const pending = await pendingOf(a.callTool('write_note', { id: 'self', text: 'mine' }));
    const self = await s.h.api.request('POST', `/v1/approvals/${pending.approvalId}/approve`, {});
    expect(self.status).toBe(403);
    expect(self.body.code).toBe('APPROVAL.SELF_APPROVAL');
    const operator = await s.operator.request('POST', `/v1/approvals/${pending.approvalId}/approve`, {});
    expect(operator.status).toBe(403);
    expect((await s.operator.request('GET', '/v1/approvals')).status).toBe(403);
    const view = (await s.approver.request('GET', '/v1/approvals?state=pending')).body.approvals.find((x: any) => x.approvalId === pending.approvalId);
    expect(view.state).toBe('pending');
    expect(eventsOfType(s.h.dataDir, 'StepUpApproved').some((e) => e.data.approvalId === pending.approvalId)).toBe(false);
  });

  it('answers bad input with a clear error and changes nothing', async () => {
    expect((await s.approver.request('GET', '/v1/approvals?state=maybe')).status).toBe(400);
    expect((await s.approver.request('POST', '/v1/approvals/not-an-id/approve', {})).body.code).toBe('APPROVAL.UNKNOWN');
    expect((await s.approver.request('POST', '/v1/approvals/0190a0b0-0000-7000-8000-000000000000/approve', {})).status).toBe(404);
    const a = await s.connect('2025-11-25');
    const pending = await pendingOf(a.callTool('write_note', { id: 'bad', text: 'input' }));
    expect((await s.approver.request('POST', `/v1/approvals/${pending.approvalId}/approve`, { comment: 7 })).status).toBe(400);
    expect((await s.approver.request('POST', `/v1/approvals/${pending.approvalId}/approve`, { extra: true })).status).toBe(400);
    expect(eventsOfType(s.h.dataDir, 'StepUpApproved').some((e) => e.data.approvalId === pending.approvalId)).toBe(false);
  });

  it('expires: an approval request past its TTL cannot be approved, and an unused approval stops releasing the call', async () => {
    const a = await s.connect('2026-07-28');
    const clock = s.h.gateway.app.get<Clock>(CLOCK);
    const late = await pendingOf(a.callTool('write_note', { id: 'late', text: 'a' }));
    const unused = await pendingOf(a.callTool('write_note', { id: 'unused', text: 'b' }));
    expect((await s.approver.request('POST', `/v1/approvals/${unused.approvalId}/approve`, {})).status).toBe(200);
    const spy = jest.spyOn(clock, 'nowMs').mockImplementation(() => Date.now() + 120_000);
    try {
      const refused = await s.approver.request('POST', `/v1/approvals/${late.approvalId}/approve`, {});
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ code: 'APPROVAL.NOT_PENDING', state: 'expired' });
      const before = s.writes();
      const retry = await pendingOf(a.callTool('write_note', { id: 'unused', text: 'b' }));
      expect(retry.approvalId).not.toBe(unused.approvalId);
      expect(s.writes()).toBe(before);
      expect((await s.approver.request('GET', '/v1/approvals?state=expired')).body.approvals.map((x: any) => x.approvalId)).toEqual(expect.arrayContaining([late.approvalId, unused.approvalId]));
    } finally {
      spy.mockRestore();
    }
  });

  it('records the approver, the time, the comment and the single use in the ledger', async () => {
    await s.h.settled();
    const requested = eventsOfType(s.h.dataDir, 'StepUpRequested');
    const approved = eventsOfType(s.h.dataDir, 'StepUpApproved');
    const consumed = eventsOfType(s.h.dataDir, 'StepUpConsumed');
    expect(requested.length).toBeGreaterThanOrEqual(10);
    expect(requested[0].stream).toBe(`approval-${requested[0].data.approvalId}`);
    expect(requested[0].data.argumentsDigest).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(approved[0].data).toMatchObject({ approver: { kind: 'user' }, comment: 'looks fine', at: expect.any(String) });
    expect(consumed).toHaveLength(4);
    // Each consumed approval released exactly one recorded call, which the ledger shows as allowed with its approval.
    const decided = eventsOfType(s.h.dataDir, 'ToolCallDecided');
    for (const c of consumed) {
      expect(decided.filter((d) => d.data.approvalId === c.data.approvalId)).toEqual([expect.objectContaining({ data: expect.objectContaining({ callId: c.data.callId, decision: 'allow' }) })]);
    }
    // Arguments are in the encrypted payload store only.
    expect(JSON.stringify(readLedger(s.h.dataDir))).not.toContain('approved text');
  });
});

describe('step-up approvals (the request waits for an approver)', () => {
  let s: Setup;
  let receiver: LoopbackHttpServer;
  const SECRET = 'webhook-secret-value-0123456789';
  const deliveries: Array<{ ok: boolean; body: any }> = [];
  let attempts = 0;
  const logs = new CapturedLogs();

  beforeAll(async () => {
    receiver = await listenOnLoopback((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        attempts += 1;
        const body = Buffer.concat(chunks).toString('utf8');
        const timestamp = String(req.headers['x-warden-timestamp']);
        const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${body}`).digest('hex')}`);
        const got = Buffer.from(String(req.headers['x-warden-signature']));
        const ok = got.length === expected.length && timingSafeEqual(got, expected) && Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
        // The first attempt fails on purpose: the notifier must retry.
        if (attempts === 1 || !ok) {
          res.statusCode = ok ? 503 : 401;
          res.end();
          return;
        }
        deliveries.push({ ok, body: JSON.parse(body) });
        res.end('{}');
      });
    }, 0, '/hooks/approvals');
    s = await setUp(
      {
        WARDEN_STEP_UP_WAIT_MS: '20000',
        WARDEN_APPROVAL_WEBHOOK_URL: receiver.url,
        WARDEN_APPROVAL_WEBHOOK_SECRET: SECRET,
        WARDEN_APPROVAL_WEBHOOK_BACKOFF_MS: '20',
      },
      logs,
    );
  });
  afterAll(async () => {
    await tearDown(s);
    await receiver?.close();
  });

  const pendingApproval = async () => {
    let found: any;
    for (let i = 0; i < 250 && !found; i++) {
      found = (await s.approver.request('GET', '/v1/approvals?state=pending')).body.approvals[0];
      if (!found) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(found).toBeDefined();
    return found;
  };

  for (const revision of REVISIONS) {
    it(`${revision}: the waiting request proceeds when approved meanwhile, with progress notifications`, async () => {
      const a = await s.connect(revision);
      const progress: number[] = [];
      const onprogress = (p: { progress: number }) => void progress.push(p.progress);
      const params = { name: 'write_note', arguments: { id: `wait-${revision}`, text: 'waited' } };
      const call = (a.sdk === 'v1' ? a.raw.callTool(params, undefined, { onprogress }) : a.raw.callTool(params, { onprogress })) as Promise<AgentToolResult>;
      const approval = await pendingApproval();
      await until(() => progress.length >= 1);
      expect((await s.approver.request('POST', `/v1/approvals/${approval.approvalId}/approve`, { comment: 'go' })).status).toBe(200);
      expect(textOf(await call)).toBe(`stored note wait-${revision}`);
      expect(progress.length).toBeGreaterThanOrEqual(1);
      expect(s.upstream.notes.get(`wait-${revision}`)).toBe('waited');
    });
  }

  it('the waiting request gets the denied state when an approver denies it meanwhile', async () => {
    const a = await s.connect('2025-11-25');
    const call = pendingOf(a.callTool('write_note', { id: 'wait-denied', text: 'no' }));
    const approval = await pendingApproval();
    await s.approver.request('POST', `/v1/approvals/${approval.approvalId}/deny`, {});
    expect(await call).toMatchObject({ reason: 'GATE.STEP_UP_PENDING', state: 'denied', approvalId: approval.approvalId, retryable: true });
    expect(s.upstream.notes.get('wait-denied')).toBeUndefined();
  });

  it('tells approvers through a signed webhook, retried after a failure, and never shows the secret', async () => {
    await s.h.gateway.app.get(ApprovalNotifier).settled();
    const requested = eventsOfType(s.h.dataDir, 'StepUpRequested').map((e) => e.data.approvalId);
    expect(deliveries.map((d) => d.body.approvalId).sort()).toEqual([...requested].sort());
    expect(deliveries[0].body).toMatchObject({ type: 'StepUpRequested', tool: 'write_note', agentId: s.agentId });
    expect(attempts).toBe(requested.length + 1);
    expect(logs.matching('approval webhook attempt 1 of 5 failed: HTTP 503')).toHaveLength(1);
    expect(logs.text()).not.toContain(SECRET);
    expect(JSON.stringify(readLedger(s.h.dataDir))).not.toContain(SECRET);
  });
});

describe('step-up approvals across nodes', () => {
  let s: Setup;

  beforeAll(async () => {
    s = await setUp({ WARDEN_STEP_UP_WAIT_MS: '0' });
  });
  afterAll(() => tearDown(s));

  it('an approval given on one node releases the retry on another: its state is in the ledger, not in memory', async () => {
    const args = { id: 'elsewhere', text: 'moved' };
    const first = await s.connect('2026-07-28');
    const pending = await pendingOf(first.callTool('write_note', args));
    expect((await s.approver.request('POST', `/v1/approvals/${pending.approvalId}/approve`, {})).status).toBe(200);
    await Promise.all(s.agents.splice(0).map((a) => a.close().catch(() => undefined)));
    await s.h.stop();
    // A second node of the deployment: its key registered by the root (as `warden keys register-node` does).
    const registered = await keysCommand(['register-node', '--data-dir', s.h.dataDir, '--node-id', 'node-2', '--root-key', join(s.h.dataDir, 'keys', 'root.key')], () => undefined);
    expect(registered).toBe(0);
    const other = await startGateway({ ...s.h.config, nodeId: 'node-2' }, { logger: ['error'] });
    const agent = await connectAgent(`${other.url}/mcp/notes`, { revision: '2025-11-25', headers: { authorization: `Bearer ${s.agentKey}` } });
    try {
      expect(textOf((await agent.callTool('write_note', args)) as AgentToolResult)).toBe('stored note elsewhere');
      await expect(agent.callTool('write_note', args)).rejects.toMatchObject({ data: { reason: 'GATE.STEP_UP_PENDING', state: 'pending' } });
    } finally {
      await agent.close();
      await other.close();
    }
    const consumed = eventsOfType(s.h.dataDir, 'StepUpConsumed');
    expect(consumed.map((e) => e.data.approvalId)).toEqual([pending.approvalId]);
    const released = eventsOfType(s.h.dataDir, 'ToolCallDecided').find((e) => e.data.callId === consumed[0].data.callId)!;
    expect(released).toMatchObject({ stream: expect.stringMatching(/-node-2$/), data: { decision: 'allow', approvalId: pending.approvalId } });
  });
});
