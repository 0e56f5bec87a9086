import { request } from 'node:http';
import { rfc3339Micros } from '@warden/ledger';
import { CLOCK, type Clock } from '../../src/ledger/clock';
import { eventsOfType } from './support/ledger-reader';
import { startHarness, type Harness } from './support/gateway-harness';
import { modernHeaders, modernMeta } from './support/raw-mcp';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/**
 * The per-source throttle of rejected requests, end to end: real HTTP on loopback, each client
 * bound to its own 127.0.0.x address (Linux routes all of 127/8 to lo), the node's clock held still
 * so the token bucket refills only when the test moves it.
 */
describe('per-source throttle of rejected requests', () => {
  let h: Harness;
  let port: number;
  let agentKey: string;
  let nowMs = Date.now();
  const BAD_KEY = 'wdn_agent_ThisIsNotAKeyThisIsNotAKeyThisIsNotAKeyAbc';

  beforeAll(async () => {
    h = await startHarness({ WARDEN_REJECTED_PER_SOURCE_PER_MINUTE: '5' });
    port = Number(new URL(h.url).port);
    const clock = h.gateway.app.get<Clock>(CLOCK);
    jest.spyOn(clock, 'nowMs').mockImplementation(() => nowMs);
    jest.spyOn(clock, 'nowIso').mockImplementation(() => rfc3339Micros(new Date(nowMs), 0));
    agentKey = (await h.api.registerAgent('throttle-probe')).apiKey;
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await h.cleanup();
  });

  /** One HTTP request from the loopback address `from` (127.0.0.x). */
  const send = (from: string, method: string, path: string, headers: Record<string, string>, body?: string) =>
    new Promise<Answer>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, localAddress: from, method, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
        });
      });
      req.on('error', reject);
      req.end(body);
    });

  const listTools = (from: string, key: string, body?: string) =>
    send(
      from,
      'POST',
      '/mcp',
      { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${key}`, ...modernHeaders('tools/list') },
      body ?? JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: modernMeta } }),
    );
  const listAgents = (from: string, key: string) => send(from, 'GET', '/v1/agents', { authorization: `Bearer ${key}` });

  it('after N rejected requests a source gets 429 LIMIT.SOURCE_THROTTLED with Retry-After, on /mcp and /v1, before authentication and parsing', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await listTools('127.0.0.2', BAD_KEY);
      expect(res.status).toBe(401);
      expect(res.body.error.data.reason).toBe('AUTH.INVALID_KEY');
    }
    const throttled = await listTools('127.0.0.2', BAD_KEY);
    expect(throttled.status).toBe(429);
    // 5 a minute: a token comes back every 12 s.
    expect(throttled.headers['retry-after']).toBe('12');
    expect(throttled.body).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32003, message: expect.any(String), data: { reason: 'LIMIT.SOURCE_THROTTLED', retryAfterSeconds: 12 } },
    });
    // A valid key, or a body that is not JSON, changes nothing: the answer comes before either is looked at.
    expect((await listTools('127.0.0.2', agentKey)).status).toBe(429);
    expect((await listTools('127.0.0.2', agentKey, '{not json')).body.error.data.reason).toBe('LIMIT.SOURCE_THROTTLED');
    const api = await listAgents('127.0.0.2', BAD_KEY);
    expect(api.status).toBe(429);
    expect(api.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(api.headers['retry-after']).toBe('12');
    expect(api.body).toMatchObject({ status: 429, code: 'LIMIT.SOURCE_THROTTLED', reason: 'LIMIT.SOURCE_THROTTLED', retryAfterSeconds: 12 });
    expect(JSON.stringify(api.body)).not.toContain(BAD_KEY);
  });

  it('another source is not affected: its good requests pass and its bad ones get their own 401', async () => {
    const good = await listTools('127.0.0.3', agentKey);
    expect(good.status).toBe(200);
    expect(good.body.result.tools).toEqual([]);
    expect((await listTools('127.0.0.3', BAD_KEY)).status).toBe(401);
    expect((await listAgents('127.0.0.3', h.adminKey)).status).toBe(200);
  });

  it('edge refusals count too (malformed JSON-RPC from an agent with a valid key)', async () => {
    for (let i = 0; i < 5; i++) expect((await listTools('127.0.0.4', agentKey, '{not json')).status).toBe(400);
    expect((await listTools('127.0.0.4', agentKey)).status).toBe(429);
    // Good answers never count: a source that only sends good requests is never throttled.
    for (let i = 0; i < 20; i++) expect((await listTools('127.0.0.5', agentKey)).status).toBe(200);
  });

  it('the bucket refills with time: one token back after 12 s lets one request through', async () => {
    nowMs += 12_000;
    expect((await listTools('127.0.0.2', agentKey)).status).toBe(200); // a good request takes no token
    expect((await listTools('127.0.0.2', BAD_KEY)).status).toBe(401); // this one takes the token
    expect((await listTools('127.0.0.2', agentKey)).status).toBe(429);
  });

  it('GET /metrics counts the throttled requests by surface', async () => {
    const text = await (await fetch(`${h.url}/metrics`)).text();
    expect(text).toMatch(/^warden_requests_throttled_total\{surface="mcp"\} 5$/m);
    expect(text).toMatch(/^warden_requests_throttled_total\{surface="api"\} 1$/m);
  });

  it('a flood stays bounded in the ledger: throttled requests are counted into one summary, never recorded one by one', async () => {
    for (let i = 0; i < 100; i++) expect((await listTools('127.0.0.6', BAD_KEY)).status).toBe(i < 5 ? 401 : 429);
    await h.settled();
    await h.stop(); // open windows are written on shutdown
    const single = eventsOfType(h.dataDir, 'RequestRejected');
    expect(single.filter((e) => e.data.reason === 'LIMIT.SOURCE_THROTTLED')).toEqual([]);
    expect(single.filter((e) => e.data.source === '127.0.0.6').map((e) => e.data.reason)).toEqual(Array(5).fill('AUTH.INVALID_KEY'));
    const summaries = eventsOfType(h.dataDir, 'RequestsRejected').filter((e) => e.data.reason === 'LIMIT.SOURCE_THROTTLED');
    const counts = Object.fromEntries(summaries.map((e) => [e.data.source, e.data.count]));
    expect(counts).toEqual({ '127.0.0.2': 5, '127.0.0.4': 1, '127.0.0.6': 95 });
  });
});
