import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fromBase64, verifyInclusion } from '@warden/ledger';
import { startGateway, type RunningGateway } from '../../src/bootstrap';
import { ForensicsProjection } from '../../src/forensics/forensics-projection';
import { ReadModelProjector } from '../../src/ledger/read-model-projector';
import { connectAgent, type Agent } from '../fixtures/agent-clients';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { AdminApi, startHarness, type Harness } from './support/gateway-harness';
import { eventsOfType } from './support/ledger-reader';
import { modernHeaders, modernMeta, rawPost } from './support/raw-mcp';
import { readRows, runCli } from './support/tamper';
import { until } from './support/until';

const DOC = 'doc-4711';
const SECRET_WORD = 'quuxsecretword';
const CREDENTIAL = 'cnryForensicBearer5Tq8';
const EMAIL = 'ullavinkq@example.org';
const POLICY = { defaults: { read: 'allow', write: 'allow', destructive: 'deny' }, rules: [{ id: 'no-notes-written', tool: 'write_note', decision: 'deny' }] };
const GUARDRAILS = { rules: [{ id: 'flag-mail', detector: 'email', action: 'warn' }] };

/**
 * The forensic index end to end (issue 17): calls made by real MCP clients through a real
 * gateway, indexed from the ledger (decrypted payloads, full text), read by investigators and
 * auditors (each read a signed ForensicQueryRun), rebuilt by replay, erased by full-text match.
 */
describe('forensic index and queries', () => {
  let h: Harness;
  let gateway: RunningGateway;
  let upstream: LegacyMcpServer;
  let agentId: string;
  let agentKey: string;
  let investigator: AdminApi;
  let auditor: AdminApi;
  let operator: AdminApi;
  let admin: AdminApi;
  let stranger: AdminApi;
  const agents: Agent[] = [];

  const indexFiles = () => ['forensics.db', 'forensics.db-wal'].map((f) => join(h.dataDir, f)).filter(existsSync);
  /** The index's terms are lower-cased tokens: a word is looked for as written and lower-cased, in every byte of the index files. */
  const indexHolds = (word: string) => indexFiles().some((f) => [word, word.toLowerCase()].some((w) => readFileSync(f).includes(Buffer.from(w, 'utf8'))));

  /** Waits until every committed call and erasure event is in the index. */
  const indexed = async () => {
    await h.settled();
    const last = readRows(h.dataDir).filter((r) => r.stream.startsWith('calls-') || r.stream.startsWith('erasure-')).at(-1)!.position;
    await until(() => gateway.app.get(ReadModelProjector).health().position >= last);
    await gateway.app.get(ForensicsProjection).settled();
  };

  const workflowCall = (id: number, text: string, workflowId: string) =>
    rawPost(
      `${gateway.url}/mcp/notes`,
      { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text }, _meta: { ...modernMeta, 'io.modelcontextprotocol/aiInvocation': { workflowId, model: 'm-1' } } } },
      { authorization: `Bearer ${agentKey}`, ...modernHeaders('tools/call', 'echo') },
    );

  beforeAll(async () => {
    upstream = await startLegacyMcpServer();
    h = await startHarness({ WARDEN_CHECKPOINT_EVERY_EVENTS: '1', WARDEN_CHECKPOINT_EVERY_MS: '50' });
    gateway = h.gateway;
    admin = h.api;
    const res = await admin.request('POST', '/v1/servers', { name: 'Notes', slug: 'notes', url: upstream.url, credential: { scheme: 'bearer', token: CREDENTIAL } });
    expect(res.status).toBe(201);
    for (const tool of ['echo', 'write_note', 'read_note']) await admin.approve(res.body.serverId, tool, 'read');
    expect((await admin.request('PUT', '/v1/policies?baseVersion=0', POLICY)).status).toBe(200);
    expect((await admin.request('PUT', '/v1/guardrails?baseVersion=0', GUARDRAILS)).status).toBe(200);
    const registered = await admin.registerAgent('researcher');
    agentId = registered.agent.agentId;
    agentKey = registered.apiKey;
    investigator = new AdminApi(h.url, (await admin.createUser('Ivy', ['investigator'])).apiKey);
    auditor = new AdminApi(h.url, (await admin.createUser('Aud', ['auditor'])).apiKey);
    operator = new AdminApi(h.url, (await admin.createUser('Otto', ['operator'])).apiKey);
    const other = await h.newOrganisation('Elsewhere');
    stranger = new AdminApi(h.url, (await other.api.createUser('Sam', ['investigator'])).apiKey);

    const agent = await connectAgent(`${h.url}/mcp/notes`, { revision: '2025-11-25', headers: { authorization: `Bearer ${agentKey}` } });
    agents.push(agent);
    await agent.callTool('echo', { text: `please summarise ${DOC} for the board` });
    await agent.callTool('echo', { text: `mail ${EMAIL} about the plan` });
    await agent.callTool('echo', { text: `unrelated ${SECRET_WORD} memo` });
    await agent.callTool('write_note', { id: 'n1', text: `draft of ${DOC}` }).catch(() => undefined); // denied by policy
    expect((await workflowCall(1, 'step one of the pipeline', 'wf-42')).status).toBe(200);
    expect((await workflowCall(2, 'step two of the pipeline', 'wf-42')).status).toBe(200);
    await indexed();
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
    await gateway.close();
    await h.cleanup();
    await upstream.close();
  });

  it('finds every call that mentioned a document id, in its arguments or its result', async () => {
    const res = await investigator.request('GET', `/v1/calls?q=${encodeURIComponent(`"${DOC}"`)}`);
    expect(res.status).toBe(200);
    expect(res.body.calls.map((c: any) => [c.tool, c.decision, c.outcome])).toEqual([
      ['write_note', 'deny', 'denied'],
      ['echo', 'allow', 'ok'],
    ]);
    const [denied, echoed] = res.body.calls;
    expect(denied).toMatchObject({ agentId, rules: ['no-notes-written'], reasons: expect.arrayContaining([expect.objectContaining({ decision: 'deny' })]) });
    expect(echoed).toMatchObject({ kind: 'tool_call', method: 'tools/call', latencyMs: expect.any(Number), events: { decided: echoed.callId, outcome: expect.any(String) } });
    expect(res.body.nextCursor).toBeNull();
  });

  it('filters by the indexed columns, alone and with full text', async () => {
    const ids = async (query: string) => {
      const res = await auditor.request('GET', `/v1/calls?${query}`);
      expect(res.status).toBe(200);
      return res.body.calls.map((c: any) => c.tool);
    };
    expect(await ids('decision=deny')).toEqual(['write_note']);
    expect(await ids('rule=no-notes-written')).toEqual(['write_note']);
    expect(await ids('tool=echo')).toHaveLength(5);
    expect(await ids(`agent=${agentId}&tool=echo&q=pipeline`)).toEqual(['echo', 'echo']);
    expect(await ids('workflow=wf-42')).toEqual(['echo', 'echo']);
    expect(await ids('hasFindings=true')).toEqual(['echo']);
    expect(await ids('minLatencyMs=0&decision=allow')).toHaveLength(4);
    expect(await ids('decision=observe')).toEqual(['echo']); // the guardrail's warn: observed
    expect(await ids(`from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).toEqual([]);
    expect(await ids(`to=${encodeURIComponent(new Date().toISOString())}&tool=write_note`)).toEqual(['write_note']);
    expect(await ids('agent=someone-else')).toEqual([]);
  });

  it('pages newest first with an opaque cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: any } = await investigator.request('GET', `/v1/calls?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.calls.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.calls.map((c: any) => c.at));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(6);
    expect([...seen].sort().reverse()).toEqual(seen);
  });

  it('answers a bad filter, bad full-text syntax or a bad cursor with a 400 naming it', async () => {
    const cases: Array<[string, string, string]> = [
      ['colour=red', 'FORENSICS.INVALID_FILTER', 'colour'],
      ['decision=maybe', 'FORENSICS.INVALID_FILTER', 'decision'],
      ['from=yesterday', 'FORENSICS.INVALID_FILTER', 'from'],
      ['minLatencyMs=-1', 'FORENSICS.INVALID_FILTER', 'minLatencyMs'],
      ['hasFindings=yes', 'FORENSICS.INVALID_FILTER', 'hasFindings'],
      ['limit=100000', 'FORENSICS.INVALID_FILTER', 'limit'],
      ['tool=a&tool=b', 'FORENSICS.INVALID_FILTER', 'tool'],
      [`q=${encodeURIComponent('"unterminated')}`, 'FORENSICS.INVALID_QUERY', 'q'],
      [`q=${encodeURIComponent(DOC)}`, 'FORENSICS.INVALID_QUERY', 'q'],
      [`q=${encodeURIComponent('nosuchcolumn:x')}`, 'FORENSICS.INVALID_QUERY', 'q'],
      ['cursor=bm9wZQ', 'FORENSICS.INVALID_CURSOR', 'cursor'],
    ];
    const before = eventsOfType(h.dataDir, 'ForensicQueryRun').length;
    for (const [query, code, field] of cases) {
      const res = await investigator.request('GET', `/v1/calls?${query}`);
      expect({ query, status: res.status, code: res.body.code, field: res.body.field }).toEqual({ query, status: 400, code, field });
    }
    expect((await investigator.request('GET', '/v1/calls/not-a-call')).status).toBe(400);
    expect(eventsOfType(h.dataDir, 'ForensicQueryRun')).toHaveLength(before); // refused input is not a read
  });

  it('shows one call in full: decrypted payloads, the decision’s reasons, and inclusion proofs against the latest checkpoint', async () => {
    const [call] = (await investigator.request('GET', `/v1/calls?q=board`)).body.calls;
    // The anchor signs a checkpoint shortly after the calls: wait until one covers the outcome.
    for (let i = 0; i < 100 && (await auditor.request('GET', `/v1/log/proofs/inclusion?eventId=${call.events.outcome}`)).status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const res = await investigator.request('GET', `/v1/calls/${call.callId}`);
    expect(res.status).toBe(200);
    expect(res.body.call).toMatchObject({ callId: call.callId, tool: 'echo', decision: 'allow' });
    expect(res.body.payloads.arguments).toEqual({ status: 'present', content: { text: `please summarise ${DOC} for the board` } });
    expect(res.body.payloads.result).toMatchObject({ status: 'present', content: { content: [{ type: 'text', text: JSON.stringify({ text: `please summarise ${DOC} for the board` }) }] } });
    expect(res.body.proofs.map((p: any) => p.eventId)).toEqual([call.events.decided, call.events.outcome]);
    for (const { eventId, proof } of res.body.proofs) {
      expect(proof.status).toBe('included');
      expect(proof.inclusion.eventId).toBe(eventId);
      expect(proof.inclusion.treeSize).toBe(proof.checkpoint.size);
      const checked = verifyInclusion(fromBase64(proof.inclusion.leafHash), proof.inclusion.leafIndex, proof.inclusion.treeSize, proof.inclusion.proof.map(fromBase64), fromBase64(proof.checkpoint.rootHash));
      expect(checked).toEqual({ ok: true });
      const latest = await auditor.request('GET', '/v1/log/checkpoint');
      expect(latest.body.size).toBeGreaterThanOrEqual(proof.checkpoint.size);
    }
  });

  it('gives a workflow’s calls as a timeline, oldest first', async () => {
    const res = await auditor.request('GET', '/v1/workflows/wf-42');
    expect(res.status).toBe(200);
    expect(res.body.workflow).toBe('wf-42');
    expect(res.body.calls.map((c: any) => c.aiInvocation)).toEqual([{ workflowId: 'wf-42', model: 'm-1' }, { workflowId: 'wf-42', model: 'm-1' }]);
    expect(res.body.calls[0].at < res.body.calls[1].at).toBe(true);
    expect((await auditor.request('GET', '/v1/workflows/wf-none')).status).toBe(404);
    expect((await auditor.request('GET', '/v1/workflows/wf-42?colour=red')).status).toBe(400);
  });

  it('is for investigators and auditors of the organisation only', async () => {
    const [call] = (await investigator.request('GET', '/v1/calls?limit=1')).body.calls;
    for (const api of [operator, admin]) {
      expect((await api.request('GET', '/v1/calls')).status).toBe(403);
      expect((await api.request('GET', `/v1/calls/${call.callId}`)).status).toBe(403);
      expect((await api.request('GET', '/v1/workflows/wf-42')).status).toBe(403);
    }
    expect((await stranger.request('GET', '/v1/calls')).body).toEqual({ calls: [], nextCursor: null });
    expect((await stranger.request('GET', `/v1/calls?q=${encodeURIComponent(`"${DOC}"`)}`)).body.calls).toEqual([]);
    const foreign = await stranger.request('GET', `/v1/calls/${call.callId}`);
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('FORENSICS.UNKNOWN_CALL');
    expect(JSON.stringify(foreign.body)).not.toContain(call.tool);
    expect((await stranger.request('GET', '/v1/workflows/wf-42')).status).toBe(404);
  });

  it('records every read as a signed ForensicQueryRun, the full-text query only in its encrypted payload', async () => {
    const before = eventsOfType(h.dataDir, 'ForensicQueryRun').length;
    await investigator.request('GET', `/v1/calls?q=pipeline&tool=echo&limit=5`);
    const [one] = (await auditor.request('GET', '/v1/calls?limit=1')).body.calls;
    await auditor.request('GET', `/v1/calls/${one.callId}`);
    await auditor.request('GET', '/v1/workflows/wf-42');
    const runs = eventsOfType(h.dataDir, 'ForensicQueryRun').slice(before);
    expect(runs.map((e) => [e.data.route, e.data.resultCount, e.actor.kind])).toEqual([
      ['GET /v1/calls', 2, 'user'],
      ['GET /v1/calls', 1, 'user'],
      ['GET /v1/calls/:id', 1, 'user'],
      ['GET /v1/workflows/:id', 2, 'user'],
    ]);
    expect(runs[0]).toMatchObject({ stream: `forensics-${h.orgId}-node-1`, org: h.orgId, sig: expect.any(String), data: { filter: { tool: 'echo', limit: 5 }, hasFullText: true }, payload: { digest: expect.any(String) } });
    expect(JSON.stringify(runs[0].data)).not.toContain('pipeline');
    expect(runs[2].data.filter).toEqual({ callId: one.callId });
    expect(runs[1].payload).toBeNull();
  });

  it('keeps vaulted credentials and guardrail-flagged values out of the index', async () => {
    expect(indexHolds(CREDENTIAL)).toBe(false);
    expect((await investigator.request('GET', `/v1/calls?q=${CREDENTIAL}`)).body.calls).toEqual([]);
    expect(indexHolds('ullavinkq')).toBe(false);
    expect((await investigator.request('GET', '/v1/calls?q=ullavinkq')).body.calls).toEqual([]);
    expect(indexHolds('unrelated')).toBe(true); // the canary search can find what is there
    // The flagged call is in the index by its columns; its payload is still readable in full.
    const [flagged] = (await investigator.request('GET', '/v1/calls?hasFindings=true')).body.calls;
    expect(flagged.findings).toEqual([
      expect.objectContaining({ rule: 'flag-mail', path: '$.arguments.text', where: 'arguments' }),
      expect.objectContaining({ rule: 'flag-mail', path: '$.content[0].text', where: 'result' }),
    ]);
    expect((await investigator.request('GET', `/v1/calls/${flagged.callId}`)).body.payloads.arguments.content.text).toContain(EMAIL);
  });

  it('rebuilds a deleted index by replay: the same answers after a restart', async () => {
    const queries = [`q=${encodeURIComponent(`"${DOC}"`)}`, 'decision=deny', 'tool=echo&limit=3', 'workflow=wf-42', 'hasFindings=true', 'q=pipeline'];
    const answers = async () => Promise.all(queries.map(async (q) => (await investigator.request('GET', `/v1/calls?${q}`)).body.calls));
    const before = await answers();
    await h.settled();
    await gateway.close();
    for (const f of ['forensics.db', 'forensics.db-wal', 'forensics.db-shm']) rmSync(join(h.dataDir, f), { force: true });
    gateway = await startGateway(h.config, { logger: ['error'] });
    investigator = new AdminApi(gateway.url, investigator.key);
    auditor = new AdminApi(gateway.url, auditor.key);
    admin = new AdminApi(gateway.url, h.adminKey);
    await indexed();
    expect(existsSync(join(h.dataDir, 'forensics.db'))).toBe(true);
    expect(await answers()).toEqual(before);
  });

  it('warden search on the command line: filters, full text, one call', async () => {
    const env = { WARDEN_API: gateway.url, WARDEN_KEY: investigator.key };
    const listed = await runCli(['search', '--q', 'pipeline', '--tool', 'echo', '--workflow', 'wf-42', '--json'], { env });
    expect(listed.code).toBe(0);
    const page = JSON.parse(listed.stdout);
    expect(page.calls).toHaveLength(2);
    const shown = await runCli(['search', '--call', page.calls[0].callId, '--json'], { env });
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout).payloads.arguments.content).toEqual({ text: 'step two of the pipeline' });
    const refused = await runCli(['search', '--q', '"unterminated'], { env });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('FORENSICS.INVALID_QUERY');
    expect((await runCli(['search', '--call', 'nope'], { env })).code).toBe(2);
    expect((await runCli(['search', '--colour', 'red'], { env })).code).toBe(2);
    expect((await runCli(['search'], { env: { WARDEN_API: gateway.url } })).code).toBe(2);
    expect((await runCli(['search', '--tool', 'echo'], { env: { WARDEN_API: gateway.url, WARDEN_KEY: admin.key } })).code).toBe(1);
  });

  it('erases by full-text match: the signed event names the ids it resolved, and the index no longer holds the text', async () => {
    const found = await investigator.request('GET', `/v1/calls?q=${SECRET_WORD}`);
    expect(found.body.calls).toHaveLength(1);
    expect(indexHolds(SECRET_WORD)).toBe(true);
    const [call] = found.body.calls;
    expect((await admin.request('POST', '/v1/erasures', { query: 'nosuchwordanywhere', reason: 'r' })).body.code).toBe('ERASURE.NO_MATCH');
    expect((await admin.request('POST', '/v1/erasures', { query: '"unterminated', reason: 'r' })).body).toMatchObject({ code: 'FORENSICS.INVALID_QUERY' });
    expect((await admin.request('POST', '/v1/erasures', { query: SECRET_WORD, eventIds: [call.callId], reason: 'r' })).body.code).toBe('ERASURE.ONE_SELECTION');
    expect((await admin.request('POST', '/v1/erasures', { query: '', reason: 'r' })).status).toBe(400);
    expect(eventsOfType(h.dataDir, 'PayloadsErased')).toHaveLength(0);

    const erased = await admin.request('POST', '/v1/erasures', { query: SECRET_WORD, reason: 'GDPR art. 17 request #9' });
    expect(erased.status).toBe(201);
    expect(erased.body.eventIds.sort()).toEqual([call.events.decided, call.events.outcome].sort());
    const [event] = eventsOfType(h.dataDir, 'PayloadsErased');
    expect(event).toMatchObject({ id: erased.body.erasureEventId, sig: expect.any(String), data: { eventIds: erased.body.eventIds, selectedBy: 'full-text' } });
    expect(JSON.stringify(event)).not.toContain(SECRET_WORD);

    expect((await investigator.request('GET', `/v1/calls?q=${SECRET_WORD}`)).body.calls).toEqual([]);
    expect(indexHolds(SECRET_WORD)).toBe(false);
    const detail = await investigator.request('GET', `/v1/calls/${call.callId}`);
    expect(detail.body.payloads.arguments).toMatchObject({ status: 'erased', erasureEventId: erased.body.erasureEventId });
    expect(detail.body.payloads.result).toMatchObject({ status: 'erased', erasureEventId: erased.body.erasureEventId });
    expect((await investigator.request('GET', `/v1/calls?q=unrelated`)).body.calls).toEqual([]);
    expect((await investigator.request('GET', `/v1/calls?q=board`)).body.calls).toHaveLength(1); // the rest stays
  });
});
