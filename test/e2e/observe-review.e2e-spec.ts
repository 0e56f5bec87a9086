import { connectAgent, textOf, type Agent, type AgentToolResult } from '../fixtures/agent-clients';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { eventsOfType } from './support/ledger-reader';
import { AdminApi, startHarness, type Harness } from './support/gateway-harness';

const POLICY = { defaults: { read: 'allow', write: 'allow', destructive: 'deny' }, rules: [{ id: 'echo-observed', tool: 'echo', decision: 'observe' }] };

/** observe: the call goes through and lands in the review feed; a reviewer marks it reviewed, as an event. */
describe('observe and review', () => {
  let h: Harness;
  let upstream: LegacyMcpServer;
  let serverId: string;
  let agentId: string;
  let agentKey: string;
  let investigator: AdminApi;
  let operator: AdminApi;
  const agents: Agent[] = [];

  beforeAll(async () => {
    upstream = await startLegacyMcpServer();
    h = await startHarness();
    serverId = (await h.api.registerServer('Notes', 'notes', upstream.url)).serverId;
    await h.api.approve(serverId, 'echo', 'read');
    await h.api.approve(serverId, 'read_note', 'read');
    expect((await h.api.request('PUT', '/v1/policies?baseVersion=0', POLICY)).status).toBe(200);
    const registered = await h.api.registerAgent('watched');
    agentId = registered.agent.agentId;
    agentKey = registered.apiKey;
    investigator = new AdminApi(h.url, (await h.api.createUser('Ivy', ['investigator'])).apiKey);
    operator = new AdminApi(h.url, (await h.api.createUser('Otto', ['operator'])).apiKey);
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
    await h.cleanup();
    await upstream.close();
  });

  it('lets observed calls of both generations through and lists them as open', async () => {
    for (const revision of ['2025-11-25', '2026-07-28'] as const) {
      const a = await connectAgent(`${h.url}/mcp/notes`, { revision, headers: { authorization: `Bearer ${agentKey}` } });
      agents.push(a);
      expect(JSON.parse(textOf((await a.callTool('echo', { text: revision })) as AgentToolResult))).toEqual({ text: revision });
      await a.callTool('read_note', { id: 'none' });
    }
    const open = await investigator.request('GET', '/v1/reviews?state=open');
    expect(open.status).toBe(200);
    expect(open.body.reviews).toHaveLength(2);
    expect(open.body.reviews[0]).toMatchObject({ agentId, serverId, tool: 'echo', rules: ['echo-observed'], state: 'open' });
    expect((await investigator.request('GET', `/v1/reviews?rule=echo-observed&agent=${agentId}&server=${serverId}`)).body.reviews).toHaveLength(2);
    expect((await investigator.request('GET', '/v1/reviews?rule=other')).body.reviews).toHaveLength(0);
    expect((await investigator.request('GET', '/v1/reviews?agent=someone-else')).body.reviews).toHaveLength(0);
  });

  it('marks a call reviewed with a comment, as a signed CallReviewed event, once', async () => {
    const [first] = (await investigator.request('GET', '/v1/reviews?state=open')).body.reviews;
    const res = await investigator.request('POST', `/v1/reviews/${first.callId}/review`, { comment: 'expected use' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ callId: first.callId, state: 'reviewed', review: { comment: 'expected use', reviewer: { kind: 'user' } } });
    expect((await investigator.request('GET', '/v1/reviews?state=open')).body.reviews).toHaveLength(1);
    expect((await investigator.request('GET', '/v1/reviews?state=reviewed')).body.reviews.map((r: any) => r.callId)).toEqual([first.callId]);
    const again = await h.api.request('POST', `/v1/reviews/${first.callId}/review`, { comment: 'twice' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('REVIEW.ALREADY_REVIEWED');
    const events = eventsOfType(h.dataDir, 'CallReviewed');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ stream: `review-${first.callId}`, data: { callId: first.callId, comment: 'expected use' }, sig: expect.any(String) });
  });

  it('pages the feed, oldest first: limit and the opaque nextCursor, null on the last page', async () => {
    const all = (await investigator.request('GET', '/v1/reviews')).body;
    expect(all.reviews).toHaveLength(2);
    expect(all.nextCursor).toBeNull();
    const first = await investigator.request('GET', '/v1/reviews?limit=1');
    expect(first.status).toBe(200);
    expect(first.body.reviews.map((r: any) => r.callId)).toEqual([all.reviews[0].callId]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await investigator.request('GET', `/v1/reviews?limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(second.body).toMatchObject({ reviews: [expect.objectContaining({ callId: all.reviews[1].callId })], nextCursor: null, evicted: 0 });
    for (const bad of ['limit=0', 'limit=1001', 'limit=x', 'cursor=r-1', 'cursor=abc', 'cursor=']) {
      const refused = await investigator.request('GET', `/v1/reviews?${bad}`);
      expect([bad, refused.status, refused.body.code]).toEqual([bad, 400, 'VALIDATION.FAILED']);
    }
  });

  it('refuses other roles and bad input, and changes nothing', async () => {
    const [open] = (await investigator.request('GET', '/v1/reviews?state=open')).body.reviews;
    expect((await operator.request('GET', '/v1/reviews')).status).toBe(403);
    expect((await operator.request('POST', `/v1/reviews/${open.callId}/review`, { comment: 'x' })).status).toBe(403);
    expect((await investigator.request('GET', '/v1/reviews?state=closed')).status).toBe(400);
    expect((await investigator.request('GET', '/v1/reviews?colour=red')).status).toBe(400);
    expect((await investigator.request('POST', `/v1/reviews/${open.callId}/review`, {})).status).toBe(400);
    const unknown = await investigator.request('POST', '/v1/reviews/0190a0b0-0000-7000-8000-000000000000/review', { comment: 'x' });
    expect(unknown.status).toBe(404);
    // A call that was allowed, not observed, is not in the feed.
    const allowed = eventsOfType(h.dataDir, 'ToolCallDecided').find((e) => e.data.decision === 'allow')!;
    expect((await investigator.request('POST', `/v1/reviews/${allowed.data.callId}/review`, { comment: 'x' })).status).toBe(404);
    expect(eventsOfType(h.dataDir, 'CallReviewed')).toHaveLength(1);
  });

  it('holds at most WARDEN_REVIEW_FEED_MAX observed calls: the oldest goes, is counted, and can no longer be reviewed', async () => {
    const bounded = await startHarness({ WARDEN_REVIEW_FEED_MAX: '1' });
    try {
      const server = await bounded.api.registerServer('Notes', 'notes', upstream.url);
      await bounded.api.approve(server.serverId, 'echo', 'read');
      expect((await bounded.api.request('PUT', '/v1/policies?baseVersion=0', POLICY)).status).toBe(200);
      const a = await connectAgent(`${bounded.url}/mcp/notes`, { revision: '2025-11-25', headers: { authorization: `Bearer ${(await bounded.api.registerAgent('busy')).apiKey}` } });
      agents.push(a);
      await a.callTool('echo', { text: 'first' });
      await a.callTool('echo', { text: 'second' });
      const [first, second] = eventsOfType(bounded.dataDir, 'ToolCallDecided').map((e) => e.data.callId as string);
      let feed = await bounded.api.request('GET', '/v1/reviews');
      for (let i = 0; i < 50 && feed.body.evicted !== 1; i++) feed = await bounded.api.request('GET', '/v1/reviews'); // the read models follow a turn behind
      expect(feed.status).toBe(200);
      expect(feed.body).toMatchObject({ reviews: [{ callId: second, state: 'open' }], evicted: 1 });
      expect((await bounded.api.request('POST', `/v1/reviews/${first}/review`, { comment: 'too late' })).body.code).toBe('REVIEW.UNKNOWN');
    } finally {
      await bounded.cleanup();
    }
  });
});
