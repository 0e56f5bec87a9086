import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { SqliteDatabase } from '@warden/sqlite';
import { EMBEDDED_DATABASE } from '../../src/ledger/ledger.module';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { CapturedLogs } from './support/captured-logs';
import { filesContaining, orphanPayloads } from './support/data-dir-bytes';
import { startHarness, type Harness } from './support/gateway-harness';
import { eventsOfType } from './support/ledger-reader';
import { modernHeaders, modernMeta, rawPost } from './support/raw-mcp';

/**
 * Issue 13, item 2 (and issue 15's twin on the way back): text holding a lone UTF-16 surrogate
 * cannot be recorded (the ledger's canonical JSON is I-JSON). It is refused where it enters, with
 * a clear error; the refusal is recorded and logged (where, never what); no payload row is left
 * without its event; and health reflects the ledger's current state.
 */
describe('lone UTF-16 surrogates in requests and results', () => {
  let h: Harness;
  let upstream: LegacyMcpServer;
  let agentKey: string;
  const logs = new CapturedLogs();
  // Written as JSON text: the "\ud800" escape is what reaches the gateway.
  const CANARY = 'canary-surrogate-3f9c';
  const lone = `${CANARY} \\ud800`;

  const endpoint = () => `${h.url}/mcp/notes`;
  const auth = () => ({ authorization: `Bearer ${agentKey}` });
  const toolCalls = () => upstream.requests.withRpcMethod('tools/call').length;
  const rejected = () => eventsOfType(h.dataDir, 'RequestRejected').filter((e) => e.data.reason === 'EDGE.INVALID_UNICODE');
  /** @param id the id as JSON text */
  const statelessCall = (id: number | string, paramsJson: string, name = 'echo') =>
    rawPost(endpoint(), `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":${paramsJson}}`, {
      ...auth(),
      ...modernHeaders('tools/call', name),
    });
  const meta = JSON.stringify(modernMeta);

  const openSession = async (): Promise<string> => {
    const init = await rawPost(
      endpoint(),
      { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } },
      auth(),
    );
    expect(init.status).toBe(200);
    return init.headers.get('mcp-session-id')!;
  };

  beforeAll(async () => {
    upstream = await startLegacyMcpServer({ withBrokenUnicode: true });
    h = await startHarness({}, { logger: logs.logger });
    const notes = await h.api.registerServer('Notes', 'notes', upstream.url);
    for (const tool of ['echo', 'mangled_text', 'slow']) await h.api.approve(notes.serverId, tool, 'read');
    agentKey = (await h.api.registerAgent('tester')).apiKey;
  });

  afterAll(async () => {
    await h.cleanup();
    await upstream.close();
  });

  describe('in a request', () => {
    it.each([
      ['an argument (2026-07-28)', `{"name":"echo","arguments":{"note":"${lone}"},"_meta":${meta}}`, 'params.arguments.note'],
      ['the tool name (2026-07-28)', `{"name":"echo${lone}","arguments":{},"_meta":${meta}}`, 'params.name'],
      ['an argument key (2026-07-28)', `{"name":"echo","arguments":{"ok":1,"k${lone}":2},"_meta":${meta}}`, 'params.arguments.<key 2>'],
      ['_meta (2026-07-28)', `{"name":"echo","arguments":{},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","x":"${lone}"}}`, 'params._meta.x'],
    ])('refuses %s with a clear error, records where and logs why, forwards nothing', async (_what, params, field) => {
      const before = { rejected: rejected().length, calls: toolCalls() };
      const res = await statelessCall(41, params);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ jsonrpc: '2.0', id: 41, error: { code: -32600, data: { reason: 'EDGE.INVALID_UNICODE', field } } });
      expect(res.text).not.toContain(CANARY);
      expect(toolCalls()).toBe(before.calls);
      const records = rejected();
      expect(records).toHaveLength(before.rejected + 1);
      expect(records.at(-1)!.data).toMatchObject({ reason: 'EDGE.INVALID_UNICODE', field, method: null, path: '/mcp/notes' });
      expect(logs.matching(`${field} holds a lone UTF-16 surrogate (EDGE.INVALID_UNICODE)`).length).toBeGreaterThan(0);
    });

    it.each([
      ['an argument', `{"name":"echo","arguments":{"note":"${lone}"}}`, 'params.arguments.note'],
      ['the method', null, 'method'],
    ])('refuses %s in a 2025 session the same way, keeping the id', async (_what, params, field) => {
      const session = await openSession();
      const body = params === null ? `{"jsonrpc":"2.0","id":"req-7","method":"tools/${lone}"}` : `{"jsonrpc":"2.0","id":"req-7","method":"tools/call","params":${params}}`;
      const res = await rawPost(endpoint(), body, { ...auth(), 'mcp-session-id': session });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ id: 'req-7', error: { code: -32600, data: { reason: 'EDGE.INVALID_UNICODE', field } } });
      expect(rejected().at(-1)!.data).toMatchObject({ field, method: null });
    });

    it('does not echo an id that itself holds one', async () => {
      const res = await statelessCall(`"id-${lone}"`, `{"name":"echo","arguments":{},"_meta":${meta}}`);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ id: null, error: { data: { reason: 'EDGE.INVALID_UNICODE', field: 'id' } } });
    });

    it('leaves no trace of the bad text and no payload without its event', async () => {
      await h.settled();
      await h.gateway.app.get<SqliteDatabase>(EMBEDDED_DATABASE).flushed(); // a payload still waiting for its event would commit alone now
      expect(orphanPayloads(h.dataDir)).toEqual([]);
      expect(filesContaining(h.dataDir, CANARY)).toEqual([]);
      expect(logs.text()).not.toContain(CANARY);
    });

    it('still serves well-formed text, surrogate pairs included', async () => {
      const res = await statelessCall(42, `{"name":"echo","arguments":{"note":"emoji \\ud83d\\ude00"},"_meta":${meta}}`);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body.result.content[0].text)).toEqual({ note: 'emoji 😀' });
    });
  });

  describe('in an upstream result', () => {
    it('records the call as failed, answers a clear error, logs why; the next call and health are fine', async () => {
      const res = await statelessCall(50, `{"name":"mangled_text","arguments":{},"_meta":${meta}}`, 'mangled_text');
      expect(res.body).toMatchObject({ id: 50, error: { code: -32002, data: { reason: 'UPSTREAM.BAD_RESPONSE', detail: 'invalid Unicode in result', field: 'result.content[0].text' } } });
      await h.settled();
      const callId = res.body.error.data.callId;
      expect(eventsOfType(h.dataDir, 'ToolCallFailed').filter((e) => e.data.callId === callId)).toEqual([
        expect.objectContaining({ data: expect.objectContaining({ reason: 'UPSTREAM.BAD_RESPONSE', detail: 'invalid Unicode in result' }) }),
      ]);
      expect(logs.matching('answered invalid Unicode (a lone UTF-16 surrogate at result.content[0].text)').length).toBe(1);

      const next = await statelessCall(51, `{"name":"echo","arguments":{"n":1},"_meta":${meta}}`);
      expect(next.body.result.isError).toBeFalsy();
      await h.settled();
      const health = await fetch(`${h.url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', outcomesNotRecorded: 0, outcomeWritesFailing: 0 });
      expect(orphanPayloads(h.dataDir)).toEqual([]);
    });
  });

  describe('health after outcome writes failed', () => {
    it('is 503 while they fail and 200 again once an outcome commits', async () => {
      const blocker = new Database(join(h.dataDir, 'ledger.db'));
      blocker.pragma('busy_timeout = 0');
      const before = toolCalls();
      // slow: the upstream holds the call long enough for the lock to be taken before the outcome is written.
      const call = statelessCall(60, `{"name":"slow","arguments":{"ms":300},"_meta":${meta}}`, 'slow');
      // Once the upstream has the call, its decision is durable; then the ledger stops writing.
      while (toolCalls() === before) await new Promise((r) => setTimeout(r, 5));
      blocker.exec('BEGIN IMMEDIATE');
      try {
        expect((await call).status).toBe(200);
        await h.settled();
        const failing = await fetch(`${h.url}/health`);
        expect(failing.status).toBe(503);
        expect(await failing.json()).toMatchObject({ code: 'HEALTH.OUTCOMES_NOT_RECORDED', outcomeWritesFailing: 1, outcomesNotRecorded: 1 });
      } finally {
        blocker.exec('ROLLBACK');
        blocker.close();
      }
      expect((await statelessCall(61, `{"name":"echo","arguments":{"n":3},"_meta":${meta}}`)).status).toBe(200);
      await h.settled();
      const recovered = await fetch(`${h.url}/health`);
      expect(recovered.status).toBe(200);
      expect(await recovered.json()).toMatchObject({ outcomeWritesFailing: 0, outcomesNotRecorded: 1 });
    }, 30_000);
  });
});
