import Database from 'better-sqlite3';
import { join } from 'node:path';
import { connectAgent, type Agent } from '../fixtures/agent-clients';
import { startFaultyUpstream, type FaultyUpstream } from '../fixtures/faulty-upstream';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { eventsOfType, readLedger } from './support/ledger-reader';
import { startHarness, type Harness } from './support/gateway-harness';
import { modernHeaders, modernMeta, rawPost } from './support/raw-mcp';

/**
 * Every bad input gets a clear error with a machine-readable reason, nothing is forwarded that
 * should not be, nothing crashes, and the denial or failure is in the ledger.
 */
describe('bad input and failures at the gateway', () => {
  let h: Harness;
  let upstream: LegacyMcpServer;
  let faulty: FaultyUpstream;
  let agentKey: string;
  let serverId: string;
  const agents: Agent[] = [];

  const endpoint = (slug = 'notes') => (slug === '' ? `${h.url}/mcp` : `${h.url}/mcp/${slug}`);
  const auth = () => ({ authorization: `Bearer ${agentKey}` });
  const connect = async (slug = 'notes') => {
    const a = await connectAgent(endpoint(slug), { revision: '2025-11-25', headers: auth() });
    agents.push(a);
    return a;
  };
  const rejected = (reason: string) => eventsOfType(h.dataDir, 'RequestRejected').filter((e) => e.data.reason === reason);
  const toolCalls = () => upstream.requests.withRpcMethod('tools/call').length;

  beforeAll(async () => {
    upstream = await startLegacyMcpServer();
    faulty = await startFaultyUpstream(upstream.url);
    h = await startHarness();
    const notes = await h.api.registerServer('Notes', 'notes', faulty.url);
    serverId = notes.serverId;
    await h.api.approve(serverId, 'echo', 'read');
    agentKey = (await h.api.registerAgent('tester')).apiKey;
  });

  afterEach(() => {
    faulty.mode = 'pass';
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
    await h.cleanup();
    await faulty.close();
    await upstream.close();
  });

  describe('malformed JSON-RPC', () => {
    it.each([
      ['not JSON', '{"jsonrpc":"2.0",', -32700, 'EDGE.PARSE_ERROR'],
      ['a batch', [{ jsonrpc: '2.0', id: 1, method: 'tools/list' }], -32600, 'EDGE.BATCH_NOT_SUPPORTED'],
      ['no jsonrpc version', { id: 1, method: 'tools/list' }, -32600, 'EDGE.INVALID_REQUEST'],
      ['a null id', { jsonrpc: '2.0', id: null, method: 'tools/list' }, -32600, 'EDGE.INVALID_REQUEST'],
      ['params that are not an object', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: ['echo'] }, -32600, 'EDGE.INVALID_REQUEST'],
      ['a number', '42', -32600, 'EDGE.INVALID_REQUEST'],
    ])('answers %s with HTTP 400 and a JSON-RPC error, and records it', async (_label, body, code, reason) => {
      const before = rejected(reason).length;
      const res = await rawPost(endpoint(), body as string | object, auth());
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ jsonrpc: '2.0', error: { code, data: { reason } } });
      expect(rejected(reason)).toHaveLength(before + 1);
      expect(toolCalls()).toBe(0);
    });

    it('refuses a body that is not application/json', async () => {
      const res = await fetch(endpoint(), { method: 'POST', headers: { ...auth(), 'content-type': 'text/plain' }, body: 'hello' });
      expect(res.status).toBe(400);
      expect(((await res.json()) as any).error.data.reason).toBe('EDGE.UNSUPPORTED_MEDIA_TYPE');
    });

    it('refuses a 2025 request without a session, and an unknown session', async () => {
      const noSession = await rawPost(endpoint(), { jsonrpc: '2.0', id: 1, method: 'tools/list' }, auth());
      expect(noSession.status).toBe(400);
      expect(noSession.body.error.data.reason).toBe('EDGE.SESSION_REQUIRED');
      const unknown = await rawPost(endpoint(), { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { ...auth(), 'mcp-session-id': 'nope' });
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.data.reason).toBe('EDGE.SESSION_UNKNOWN');
    });

    it('refuses a session opened by another agent', async () => {
      const a = await connect();
      const otherKey = (await h.api.registerAgent('other')).apiKey;
      const stolen = await rawPost(endpoint(), { jsonrpc: '2.0', id: 3, method: 'tools/list' }, {
        authorization: `Bearer ${otherKey}`,
        'mcp-session-id': (a as any).sessionId(),
      });
      expect(stolen.status).toBe(404);
      expect(stolen.body.error.data.reason).toBe('EDGE.SESSION_UNKNOWN');
    });
  });

  describe('2026-07-28 requests', () => {
    const list = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: modernMeta } };

    it('answers a well-formed stateless request', async () => {
      const res = await rawPost(endpoint(), list, { ...auth(), ...modernHeaders('tools/list') });
      expect(res.status).toBe(200);
      expect(res.body.result).toMatchObject({ tools: [{ name: 'echo' }], resultType: 'complete', ttlMs: 0, cacheScope: 'private' });
    });

    it('rejects an Mcp-Method header that disagrees with the body (-32020)', async () => {
      const res = await rawPost(endpoint(), list, { ...auth(), ...modernHeaders('tools/call', 'echo') });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: -32020, data: { reason: 'EDGE.HEADER_MISMATCH' } });
    });

    it('rejects an Mcp-Name header that disagrees with the body, so nothing is forwarded', async () => {
      const call = { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' }, _meta: modernMeta } };
      const res = await rawPost(endpoint(), call, { ...auth(), ...modernHeaders('tools/call', 'delete_everything') });
      expect(res.status).toBe(400);
      expect(res.body.error.data.reason).toBe('EDGE.HEADER_MISMATCH');
      const missing = await rawPost(endpoint(), call, { ...auth(), 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call' });
      expect(missing.body.error.data.reason).toBe('EDGE.HEADER_MISMATCH');
      expect(toolCalls()).toBe(0);
    });

    it('rejects an unsupported protocol version (-32022) and a 2026 header without the envelope', async () => {
      const future = { ...list, params: { _meta: { ...modernMeta, 'io.modelcontextprotocol/protocolVersion': '2027-01-01' } } };
      const res = await rawPost(endpoint(), future, { ...auth(), ...modernHeaders('tools/list'), 'mcp-protocol-version': '2027-01-01' });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: -32022, data: { reason: 'EDGE.UNSUPPORTED_PROTOCOL_VERSION', supported: ['2026-07-28'] } });
      const bare = await rawPost(endpoint(), { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { ...auth(), ...modernHeaders('tools/list') });
      expect(bare.status).toBe(400);
      expect(bare.body.error.code).toBe(-32020);
    });

    it('answers an unknown method with 404 / -32601 (and ping, which 2026-07-28 removed)', async () => {
      for (const method of ['no/such-method', 'ping']) {
        const res = await rawPost(endpoint(), { jsonrpc: '2.0', id: 9, method, params: { _meta: modernMeta } }, { ...auth(), ...modernHeaders(method) });
        expect(res.status).toBe(404);
        expect(res.body.error).toMatchObject({ code: -32601, data: { reason: 'EDGE.METHOD_NOT_FOUND' } });
      }
    });
  });

  describe('authentication and scope', () => {
    it.each([
      ['no key', {}, 'AUTH.MISSING_KEY'],
      ['a wrong key', { authorization: 'Bearer wdn_agent_not-a-real-key-at-all' }, 'AUTH.INVALID_KEY'],
      ['a malformed header', { authorization: 'Basic Zm9vOmJhcg==' }, 'AUTH.MISSING_KEY'],
    ])('answers %s with 401, forwards nothing, records it without the key', async (_label, headers, reason) => {
      const before = rejected(reason).length;
      const res = await rawPost(endpoint(), { jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }, headers as Record<string, string>);
      expect(res.status).toBe(401);
      expect(res.body.error).toMatchObject({ code: -32001, data: { reason } });
      expect(rejected(reason)).toHaveLength(before + 1);
      expect(JSON.stringify(readLedger(h.dataDir))).not.toContain('not-a-real-key-at-all');
    });

    it('does not accept an admin key at the MCP endpoint, nor an agent key at the command API', async () => {
      const res = await rawPost(endpoint(), { jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }, { authorization: `Bearer ${h.adminKey}` });
      expect(res.status).toBe(401);
      const api = await h.api.request('GET', '/v1/servers', undefined, agentKey);
      expect(api.status).toBe(401);
      expect(api.body).toMatchObject({ code: 'AUTH.INVALID_KEY' });
    });

    it('treats an unknown server and another organisation’s server alike: not found, recorded', async () => {
      const other = await h.newOrganisation('other-org');
      const theirs = await other.api.registerServer('Secret', 'secret', upstream.url);
      await other.api.approve(theirs.serverId, 'echo', 'read');
      for (const slug of ['nosuch', 'secret']) {
        const before = rejected('GATE.UNKNOWN_SERVER').length;
        const res = await rawPost(endpoint(slug), { jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }, auth());
        expect(res.status).toBe(404);
        expect(res.body.error.data.reason).toBe('GATE.UNKNOWN_SERVER');
        expect(rejected('GATE.UNKNOWN_SERVER')).toHaveLength(before + 1);
      }
      const aggregated = await connect('');
      await expect(aggregated.callTool('secret__echo', { text: 'x' })).rejects.toMatchObject({ data: { reason: 'GATE.UNKNOWN_TOOL' } });
      expect((await h.api.request('GET', `/v1/servers/${theirs.serverId}`)).status).toBe(404);
      expect(toolCalls()).toBe(0);
    });

    it('denies an unknown tool and a tool in review, records the decision, forwards nothing', async () => {
      const a = await connect();
      await expect(a.callTool('nope', {})).rejects.toMatchObject({ code: -32602, data: { reason: 'GATE.UNKNOWN_TOOL' } });
      await expect(a.callTool('write_note', { id: 'x', text: 'y' })).rejects.toMatchObject({ code: -32003, data: { reason: 'GATE.TOOL_IN_REVIEW' } });
      const denied = eventsOfType(h.dataDir, 'ToolCallDecided').filter((e) => e.data.decision === 'deny');
      expect(denied.map((e) => e.data.tool)).toEqual(expect.arrayContaining(['nope', 'write_note']));
      expect(toolCalls()).toBe(0);
    });

    it.each([
      ['a forged Host', { host: 'evil.example' }, 'EDGE.HOST_NOT_ALLOWED'],
      ['a foreign Origin', { origin: 'http://evil.example' }, 'EDGE.ORIGIN_NOT_ALLOWED'],
    ])('refuses %s (DNS rebinding) with 403', async (_label, headers, reason) => {
      const { request } = await import('node:http');
      const url = new URL(endpoint());
      const status = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(
          { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', ...auth(), ...headers } },
          (res) => {
            let body = '';
            res.on('data', (c) => (body += c));
            res.on('end', () => resolve({ status: res.statusCode!, body }));
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }));
      });
      expect(status.status).toBe(403);
      expect(JSON.parse(status.body).error.data.reason).toBe(reason);
    });

    it("accepts the gateway's own origin by default (a valid localhost Origin is not a rebinding)", async () => {
      const url = new URL(endpoint());
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...auth(), origin: `http://localhost:${url.port}` },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'origin-probe', version: '1' } } }),
      });
      expect(res.status).toBe(200);
      await res.body?.cancel();
    });
  });

  describe('upstream failures', () => {
    it.each([
      ['down', 'UPSTREAM.UNAVAILABLE'],
      ['garbage', 'UPSTREAM.BAD_RESPONSE'],
      ['error', 'UPSTREAM.UNAVAILABLE'],
    ] as const)('answers an upstream that is %s with a clear error, records ToolCallFailed, and recovers', async (mode, reason) => {
      const a = await connect();
      faulty.mode = mode;
      const before = eventsOfType(h.dataDir, 'ToolCallFailed').length;
      await expect(a.callTool('echo', { text: 'x' })).rejects.toMatchObject({ code: -32002, data: { reason } });
      await h.settled();
      const failed = eventsOfType(h.dataDir, 'ToolCallFailed');
      expect(failed).toHaveLength(before + 1);
      expect(failed[failed.length - 1].data.reason).toBe(reason);
      faulty.mode = 'pass';
      const ok = await a.callTool('echo', { text: 'back' });
      expect(ok.isError).toBeFalsy();
    });
  });

  describe('the command API', () => {
    it.each([
      [{ slug: 'x', url: 'http://127.0.0.1:1/mcp' }, 'name'],
      [{ name: 'x', url: 42 }, 'url'],
      [{ name: 'x', slug: 'Bad Slug!', url: 'http://127.0.0.1:1/mcp' }, 'slug'],
      [{ name: 'x', url: 'http://127.0.0.1:1/mcp', extra: true }, 'extra'],
    ])('answers a DTO that fails validation with 400 naming the field (%p)', async (body, field) => {
      const res = await h.api.request('POST', '/v1/servers', body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION.FAILED');
      expect(res.body.detail).toContain(field);
    });

    it('refuses an upstream URL that is not a URL, and records nothing', async () => {
      const before = readLedger(h.dataDir).length;
      const res = await h.api.request('POST', '/v1/servers', { name: 'Bad', url: 'not a url' });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'UPSTREAM.INVALID_URL', field: 'url' });
      expect(readLedger(h.dataDir)).toHaveLength(before);
    });

    it('refuses to register an upstream that answers something that is not MCP, and records the failed registration', async () => {
      faulty.mode = 'garbage';
      const res = await h.api.request('POST', '/v1/servers', { name: 'Garbage', slug: 'garbage', url: faulty.url.replace('/mcp', '/other') });
      faulty.mode = 'pass';
      expect(res.status).toBe(502);
      expect(res.body.code).toBe('UPSTREAM.BAD_RESPONSE');
      expect(eventsOfType(h.dataDir, 'ServerRegistrationFailed').map((e) => e.data.slug)).toContain('garbage');
      expect((await h.api.request('GET', '/v1/servers')).body.servers.map((s: any) => s.slug)).not.toContain('garbage');
    });

    it('registers an upstream that is down as unreachable, with no tools yet', async () => {
      faulty.mode = 'down';
      const res = await h.api.request('POST', '/v1/servers', { name: 'Down', slug: 'down', url: faulty.url.replace('/mcp', '/other') });
      faulty.mode = 'pass';
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ slug: 'down', tools: [], health: { status: 'unreachable', reason: 'UPSTREAM.UNAVAILABLE' } });
      expect(eventsOfType(h.dataDir, 'ServerHealthChanged').map((e) => e.data)).toContainEqual({ serverId: res.body.serverId, status: 'unreachable', reason: 'UPSTREAM.UNAVAILABLE' });
    });

    it('refuses to approve an unclassified tool and an unknown tool', async () => {
      const unclassified = await h.api.request('POST', `/v1/servers/${serverId}/tools/write_note/approve`, {});
      expect(unclassified.status).toBe(409);
      expect(unclassified.body.code).toBe('REGISTRY.TOOL_UNCLASSIFIED');
      const unknown = await h.api.request('POST', `/v1/servers/${serverId}/tools/nope/approve`, { riskClass: 'read' });
      expect(unknown.status).toBe(404);
      const badClass = await h.api.request('PUT', `/v1/servers/${serverId}/tools/write_note/classification`, { riskClass: 'harmless' });
      expect(badClass.status).toBe(400);
      expect(badClass.body.detail).toContain('riskClass');
    });
  });

  describe('when the ledger cannot write', () => {
    it('denies the call with LEDGER.UNAVAILABLE, forwards nothing, and recovers once it can', async () => {
      const a = await connect();
      const before = toolCalls();
      // Another process holds the database's write lock: warden's appends fail after busy_timeout.
      const blocker = new Database(join(h.dataDir, 'ledger.db'));
      blocker.pragma('busy_timeout = 0');
      blocker.exec('BEGIN IMMEDIATE');
      try {
        await expect(a.callTool('echo', { text: 'must not pass' })).rejects.toMatchObject({ code: -32004, data: { reason: 'LEDGER.UNAVAILABLE' } });
        expect(toolCalls()).toBe(before);
      } finally {
        blocker.exec('ROLLBACK');
        blocker.close();
      }
      const ok = await a.callTool('echo', { text: 'recorded again' });
      expect(ok.isError).toBeFalsy();
      expect(toolCalls()).toBe(before + 1);
    }, 30_000);

    it('still answers a call whose outcome cannot be recorded, logs it, and turns health 503', async () => {
      await h.api.approve(serverId, 'slow', 'read');
      const a = await connect();
      expect((await fetch(`${h.url}/health`)).status).toBe(200);
      const before = toolCalls();
      const call = a.callTool('slow', { ms: 300 });
      // Once the upstream has the call, its decision is durable; then the ledger stops writing.
      while (toolCalls() === before) await new Promise((r) => setTimeout(r, 10));
      const blocker = new Database(join(h.dataDir, 'ledger.db'));
      blocker.pragma('busy_timeout = 0');
      blocker.exec('BEGIN IMMEDIATE');
      try {
        const result = await call;
        expect(result.isError).toBeFalsy();
        await h.settled();
      } finally {
        blocker.exec('ROLLBACK');
        blocker.close();
      }
      const health = await fetch(`${h.url}/health`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ code: 'HEALTH.OUTCOMES_NOT_RECORDED', outcomesNotRecorded: 1 });
      const decided = eventsOfType(h.dataDir, 'ToolCallDecided').filter((e) => e.data.tool === 'slow');
      expect(decided).toHaveLength(1);
      expect(eventsOfType(h.dataDir, 'ToolCallCompleted').filter((e) => e.data.callId === decided[0].data.callId)).toHaveLength(0);
    }, 30_000);
  });
});
