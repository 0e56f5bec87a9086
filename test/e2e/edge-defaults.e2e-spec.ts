import { request } from 'node:http';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { startHarness, type Harness } from './support/gateway-harness';
import { rawPost } from './support/raw-mcp';

/**
 * The MCP edge's transport defaults (issue 18): Accept as the Streamable HTTP transport requires,
 * MCP-Protocol-Version held to the session's revision, an oversized body answered with a
 * JSON-RPC error (also while the client is still writing), bytes that are not UTF-8 named as
 * such, and every edge error carrying the request's id when its body had one.
 */
describe('MCP edge transport defaults', () => {
  let h: Harness;
  let upstream: LegacyMcpServer;
  let agentKey: string;
  const url = () => `${h.url}/mcp/notes`;
  const auth = () => ({ authorization: `Bearer ${agentKey}` });
  const initialize = (id: number | string = 1) => ({
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'edge-probe', version: '1' } },
  });

  beforeAll(async () => {
    upstream = await startLegacyMcpServer();
    h = await startHarness();
    await h.api.registerServer('Notes', 'notes', upstream.url);
    agentKey = (await h.api.registerAgent('edge-prober')).apiKey;
  });

  afterAll(async () => {
    await h.cleanup();
    await upstream.close();
  });

  describe('Accept', () => {
    it.each([
      ['no Accept at all', undefined],
      ['only a wildcard (what fetch and curl send by default)', '*/*'],
      ['JSON only', 'application/json'],
      ['event streams only', 'text/event-stream'],
    ])('answers a POST with %s 406 and a JSON-RPC error naming the request', async (_label, accept) => {
      const res = await postRaw(url(), JSON.stringify(initialize(11)), { ...auth(), 'content-type': 'application/json', ...(accept ? { accept } : {}) });
      expect(res.status).toBe(406);
      expect(JSON.parse(res.body)).toMatchObject({ jsonrpc: '2.0', id: 11, error: { code: -32600, data: { reason: 'EDGE.NOT_ACCEPTABLE' } } });
    });

    it('serves a POST that accepts both', async () => {
      const res = await rawPost(url(), initialize(), auth());
      expect(res.status).toBe(200);
      expect(res.body.result.protocolVersion).toBe('2025-11-25');
    });
  });

  describe('MCP-Protocol-Version on a 2025 session', () => {
    let sessionId: string;
    beforeAll(async () => {
      const res = await rawPost(url(), initialize(), auth());
      sessionId = res.headers.get('mcp-session-id')!;
      expect(sessionId).toBeTruthy();
    });

    it('serves the session’s own revision, and a request without the header', async () => {
      for (const version of [{ 'mcp-protocol-version': '2025-11-25' }, {}] as Record<string, string>[]) {
        const res = await rawPost(url(), { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { ...auth(), 'mcp-session-id': sessionId, ...version });
        expect(res.status).toBe(200);
        expect(res.body.result.tools).toEqual(expect.any(Array));
      }
    });

    it.each(['2025-06-18', '2025-03-26', '1999-01-01'])('refuses a request of the session that says %s, naming both revisions', async (sent) => {
      const res = await rawPost(url(), { jsonrpc: '2.0', id: 3, method: 'tools/list' }, { ...auth(), 'mcp-session-id': sessionId, 'mcp-protocol-version': sent });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        id: 3,
        error: { data: { reason: 'EDGE.HEADER_MISMATCH', header: 'MCP-Protocol-Version', mismatch: { header: sent, session: '2025-11-25' } } },
      });
    });

    it('refuses the session stream (GET) with a disagreeing header too', async () => {
      const res = await fetch(url(), { headers: { ...auth(), accept: 'text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' } });
      expect(res.status).toBe(400);
      expect(((await res.json()) as any).error.data.reason).toBe('EDGE.HEADER_MISMATCH');
    });
  });

  describe('a body over the limit (4 MiB)', () => {
    const oversized = () => JSON.stringify({ ...initialize(5), params: { ...initialize(5).params, padding: 'x'.repeat(4 * 1024 * 1024) } });

    it('gets 413 and a JSON-RPC error, not the framework’s', async () => {
      const res = await rawPost(url(), oversized(), auth());
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600, data: { reason: 'EDGE.PAYLOAD_TOO_LARGE', limitBytes: 4 * 1024 * 1024 } } });
    });

    it('gets its answer while the client is still writing (chunked, no Content-Length)', async () => {
      const chunk = 'x'.repeat(256 * 1024);
      const body = ['{"jsonrpc":"2.0","id":6,"method":"ping","params":{"padding":"', ...Array<string>(20).fill(chunk), '"}}']; // 5 MiB, more than the limit
      const answer = await postRaw(url(), body, { ...auth(), 'content-type': 'application/json', accept: 'application/json, text/event-stream' });
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body).error.data.reason).toBe('EDGE.PAYLOAD_TOO_LARGE');
    });
  });

  it('names a body that is not UTF-8 as such (-32700), keeping its id, and forwards nothing', async () => {
    const before = upstream.requests.withRpcMethod('initialize').length;
    const body = Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":"u-8","method":"initialize","params":{"clientInfo":{"name":"'), Buffer.from([0xc3, 0x28]), Buffer.from('","version":"1"}}}')]);
    const res = await fetch(url(), { method: 'POST', headers: { ...auth(), 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ id: 'u-8', error: { code: -32700, data: { reason: 'EDGE.INVALID_UTF8' } } });
    expect(upstream.requests.withRpcMethod('initialize')).toHaveLength(before);
  });

  it.each([
    ['a missing key', {}, { 'content-type': 'application/json' }, 401, 'AUTH.MISSING_KEY'],
    ['a bad Content-Type', 'auth', { 'content-type': 'text/plain' }, 400, 'EDGE.UNSUPPORTED_MEDIA_TYPE'],
    ['params that are not an object', 'auth', { 'content-type': 'application/json' }, 400, 'EDGE.INVALID_REQUEST'],
  ])('keeps the request’s id in the error for %s', async (label, who, headers, status, reason) => {
    const body = label.startsWith('params') ? { jsonrpc: '2.0', id: 'keep-me', method: 'tools/list', params: [1] } : { ...initialize('keep-me') };
    const res = await fetch(url(), {
      method: 'POST',
      headers: { ...(who === 'auth' ? auth() : {}), accept: 'application/json, text/event-stream', ...headers },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ id: 'keep-me', error: { data: { reason } } });
  });
});

/** A POST over node:http, sending exactly these headers (fetch adds `accept: *\/*`); an array body is written chunk by chunk, without Content-Length. */
function postRaw(url: string, body: string | string[], headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    if (typeof body === 'string') return void req.end(body);
    for (const chunk of body) req.write(chunk);
    req.end();
  });
}
