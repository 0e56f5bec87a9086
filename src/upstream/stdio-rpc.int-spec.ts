import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/client';
import { stdioHandshake } from './stdio-handshake';
import { StdioPeer, type StdioPeerOptions } from './stdio-rpc';
import { toUpstreamError, UpstreamExchangeError, UpstreamRpcError } from './upstream-errors';

/**
 * A JSON-RPC peer over stdio, inline: echoes, answers late, fails, writes lines that are not
 * JSON-RPC, sends progress and notifications, asks warden things, writes a 4 MiB answer in
 * small pieces, exits; `received` answers with every message it got (what warden sent).
 */
const CHILD = `
const out = (m) => process.stdout.write(JSON.stringify(m) + '\\n');
const received = [];
let asking;
require('readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const m = JSON.parse(line);
  received.push(m);
  if (m.method === undefined) return out({ jsonrpc: '2.0', id: asking, result: { answer: m } });
  const p = m.params || {};
  switch (m.method) {
    case 'initialize':
      return out({ jsonrpc: '2.0', id: m.id, result: { protocolVersion: process.env.ANSWER_VERSION || p.protocolVersion, capabilities: { tools: { listChanged: true } }, serverInfo: { name: 'inline', version: '1' } } });
    case 'echo': return out({ jsonrpc: '2.0', id: m.id, result: p });
    case 'late': return setTimeout(() => out({ jsonrpc: '2.0', id: m.id, result: { late: p.ms } }), p.ms);
    case 'hang': return;
    case 'fail': return out({ jsonrpc: '2.0', id: m.id, error: { code: -32042, message: 'it failed', data: { why: 'asked' } } });
    case 'null': return out({ jsonrpc: '2.0', id: m.id, result: null });
    case 'received': return out({ jsonrpc: '2.0', id: m.id, result: { received } });
    case 'garbage':
      process.stdout.write('not json ' + p.secret + '\\n[1,2]\\n{"jsonrpc":"1.0","id":' + m.id + '}\\n\\n');
      return out({ jsonrpc: '2.0', id: m.id, result: { ok: true } });
    case 'progress':
      for (const progress of [1, 2]) out({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: p._meta.progressToken, progress } });
      out({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'warden-999', progress: 9 } });
      return out({ jsonrpc: '2.0', id: m.id, result: { token: p._meta.progressToken } });
    case 'ask':
      asking = m.id;
      return out({ jsonrpc: '2.0', id: 's-1', method: p.method, params: { q: 1 } });
    case 'notify':
      out({ jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: 'notes://index' } });
      out({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
      out({ jsonrpc: '2.0', method: 'notifications/unheard/of', params: {} });
      out({ jsonrpc: '2.0', id: m.id, result: {} });
      return setImmediate(() => out({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'aside' } }));
    case 'chatty':
      out({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'working on ' + p.text } });
      return out({ jsonrpc: '2.0', id: m.id, result: {} });
    case 'big': {
      const line = JSON.stringify({ jsonrpc: '2.0', id: m.id, result: { text: 'x'.repeat(4 * 1024 * 1024) } }) + '\\n';
      let at = 0;
      const next = () => { if (at < line.length) { process.stdout.write(line.slice(at, at += 4096)); setImmediate(next); } };
      return next();
    }
    case 'exit': return process.exit(1);
  }
});`;

describe('StdioPeer (warden’s JSON-RPC client over a child’s stdio)', () => {
  const peers: StdioPeer[] = [];
  const warnings: string[] = [];
  const heard: Array<Record<string, unknown>> = [];
  let toolsChanged = 0;
  const gone = new Map<StdioPeer, number>();
  const start = (env: Record<string, string> = {}, extra: Partial<StdioPeerOptions> = {}) => {
    const peer = new StdioPeer(
      { command: process.execPath, args: ['-e', CHILD] },
      {
        env,
        onStderr: () => undefined,
        onWarning: (message) => warnings.push(message),
        onToolsChanged: () => toolsChanged++,
        onNotification: (message) => heard.push(message),
        onGone: () => gone.set(peer, (gone.get(peer) ?? 0) + 1),
        ...extra,
      },
    );
    peers.push(peer);
    return peer;
  };
  const open = async (env: Record<string, string> = {}) => {
    const peer = start(env);
    await stdioHandshake(peer, 5_000);
    return peer;
  };
  const ask = (peer: StdioPeer, method: string, params?: Record<string, unknown>, options: Parameters<StdioPeer['request']>[2] = { timeoutMs: 5_000 }) =>
    peer.request(method, params, options);
  const sent = async (peer: StdioPeer) => (await ask(peer, 'received')).received as Array<Record<string, unknown>>;

  beforeEach(() => {
    warnings.length = 0;
    heard.length = 0;
    toolsChanged = 0;
  });
  afterEach(async () => {
    for (const peer of peers.splice(0)) {
      peer.kill('SIGKILL');
      await peer.exited;
      peer.release();
    }
  });

  it('makes the handshake the SDK client makes: initialize with the newest revision and no capabilities, then initialized', async () => {
    const peer = start();
    const handshake = await stdioHandshake(peer, 5_000);
    expect(handshake).toEqual({ protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: { tools: { listChanged: true } } });
    const [initialize, initialized] = await sent(peer);
    expect(initialize).toEqual({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'warden-gateway', version: '0.1.0' } },
    });
    expect(initialized).toEqual({ jsonrpc: '2.0', method: 'notifications/initialized' });
  });

  it('refuses a server that answers with a revision warden does not support', async () => {
    const peer = start({ ANSWER_VERSION: '1999-01-01' });
    await expect(stdioHandshake(peer, 5_000)).rejects.toMatchObject({ failure: 'bad_response' });
    expect((await sent(peer)).map((m) => m.method)).not.toContain('notifications/initialized');
  });

  it('multiplexes requests by id and returns each result as sent', async () => {
    const peer = await open();
    const params = { text: 'héllo ✓', nested: { list: [1, null, 'two'], empty: {} }, resultType: 'complete' };
    const [late, echoed] = await Promise.all([ask(peer, 'late', { ms: 50 }), ask(peer, 'echo', params)]);
    expect(late).toEqual({ late: 50 });
    expect(echoed).toEqual(params);
  });

  it('rejects a JSON-RPC error answer as the SDK client path did: UPSTREAM.ERROR with the upstream’s code, message and data', async () => {
    const peer = await open();
    const error = await ask(peer, 'fail').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamRpcError);
    expect(toUpstreamError(error)).toMatchObject({ code: 'UPSTREAM.ERROR', message: 'it failed', details: { upstreamCode: -32042, upstreamData: { why: 'asked' } } });
    await expect(ask(peer, 'null')).rejects.toMatchObject({ failure: 'bad_response' });
  });

  it('ignores lines that are not JSON-RPC, warning without their content, and goes on', async () => {
    const peer = await open();
    const secret = 'sk-live-0123456789abcdef';
    expect(await ask(peer, 'garbage', { secret })).toEqual({ ok: true });
    expect(warnings).toEqual([
      'ignored a line that is not JSON on stdout (1 ignored so far)',
      'ignored a line that is not a JSON-RPC message on stdout (2 ignored so far)',
      'ignored a line that is not a JSON-RPC message on stdout (3 ignored so far)',
    ]);
    expect(warnings.join('\n')).not.toContain(secret);
    expect(await ask(peer, 'echo', { still: 'here' })).toEqual({ still: 'here' });
  });

  it('times a request out (UPSTREAM.TIMEOUT) and tells the child it is cancelled', async () => {
    const peer = await open();
    const error = await ask(peer, 'hang', undefined, { timeoutMs: 50 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ failure: 'timeout' });
    expect(toUpstreamError(error)).toMatchObject({ code: 'UPSTREAM.TIMEOUT' });
    const hang = (await sent(peer)).find((m) => m.method === 'hang')!;
    expect((await sent(peer)).filter((m) => m.method === 'notifications/cancelled')).toEqual([
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: hang.id, reason: 'the request timed out' } },
    ]);
  });

  it('cancels a request on the caller’s abort: notifications/cancelled {requestId, reason}, rejected as cancelled', async () => {
    const peer = await open();
    const controller = new AbortController();
    const pending = ask(peer, 'hang', undefined, { timeoutMs: 5_000, signal: controller.signal });
    await until(async () => (await sent(peer)).some((m) => m.method === 'hang'));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ failure: 'cancelled' });
    const hang = (await sent(peer)).find((m) => m.method === 'hang')!;
    expect((await sent(peer)).filter((m) => m.method === 'notifications/cancelled')).toEqual([
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: hang.id, reason: 'cancelled by the agent' } },
    ]);
    await expect(ask(peer, 'echo', {}, { timeoutMs: 5_000, signal: controller.signal })).rejects.toMatchObject({ failure: 'cancelled' });
  });

  it('routes progress by a hop token of its own, mapped back to the agent’s token; another token’s progress goes nowhere', async () => {
    const peer = await open();
    const progress: Array<Record<string, unknown>> = [];
    const result = await ask(peer, 'progress', { _meta: { progressToken: 7 } }, { timeoutMs: 5_000, onNotification: (n) => progress.push(n) });
    expect(result.token).toMatch(/^warden-\d+$/);
    expect(progress).toEqual([1, 2].map((n) => ({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 7, progress: n } })));
    expect(heard).toEqual([]);
  });

  it('answers the child’s ping with {} and its other requests "method not found" without a relay', async () => {
    const peer = await open();
    expect(await ask(peer, 'ask', { method: 'ping' })).toEqual({ answer: { jsonrpc: '2.0', id: 's-1', result: {} } });
    expect(await ask(peer, 'ask', { method: 'sampling/createMessage' })).toEqual({ answer: { jsonrpc: '2.0', id: 's-1', error: { code: -32601, message: 'Method not found' } } });
  });

  it('relays a request of the child’s through the one request in flight, never when several are (stdio does not say which it is for)', async () => {
    const peer = await open();
    const asked: unknown[] = [];
    const onServerRequest = async (request: unknown) => (asked.push(request), { result: { model: 'm', role: 'assistant', content: { type: 'text', text: 'hi' } } });
    const relayed = await ask(peer, 'ask', { method: 'sampling/createMessage' }, { timeoutMs: 5_000, onServerRequest });
    expect(relayed).toEqual({ answer: { jsonrpc: '2.0', id: 's-1', result: { model: 'm', role: 'assistant', content: { type: 'text', text: 'hi' } } } });
    expect(asked).toEqual([{ method: 'sampling/createMessage', params: { q: 1 } }]);
    const [, refused] = await Promise.all([ask(peer, 'late', { ms: 300 }), ask(peer, 'ask', { method: 'sampling/createMessage' }, { timeoutMs: 5_000, onServerRequest })]);
    expect(refused).toEqual({ answer: { jsonrpc: '2.0', id: 's-1', error: { code: -32601, message: 'Method not found' } } });
    expect(asked).toHaveLength(1);
  });

  it('hands what the child sends outside any request to the session: list changes, resource updates, log messages (unknown ones dropped)', async () => {
    const peer = await open();
    await ask(peer, 'notify');
    await until(async () => heard.length === 2);
    expect(toolsChanged).toBe(1);
    expect(heard).toEqual([
      { jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: 'notes://index' } },
      { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'aside' } },
    ]);
  });

  it('gives a log message to the one request in flight (not the session), and to no one while several are', async () => {
    const peer = await open();
    const told: Array<Record<string, unknown>> = [];
    await ask(peer, 'chatty', { text: 'one' }, { timeoutMs: 5_000, onNotification: (n) => told.push(n) });
    expect(told).toEqual([{ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'working on one' } }]);
    await Promise.all([ask(peer, 'late', { ms: 300 }, { timeoutMs: 5_000, onNotification: (n) => told.push(n) }), ask(peer, 'chatty', { text: 'two' }, { timeoutMs: 5_000, onNotification: (n) => told.push(n) })]);
    expect(told).toHaveLength(1);
    expect(heard).toEqual([]);
    expect(warnings).toEqual(['ignored a log message while several requests were in flight (stdio does not say which it is about) on stdout (1 ignored so far)']);
  });

  it('reads a 4 MiB answer written in 4 KiB pieces', async () => {
    const peer = await open();
    const result = await ask(peer, 'big', undefined, { timeoutMs: 30_000 });
    expect((result.text as string).length).toBe(4 * 1024 * 1024);
    expect(result.text === 'x'.repeat(4 * 1024 * 1024)).toBe(true);
  });

  it('fails the requests in flight when the child exits (UPSTREAM.UNAVAILABLE), once; later requests and writes do not throw', async () => {
    const peer = await open();
    const inFlight = ask(peer, 'hang');
    await expect(ask(peer, 'exit')).rejects.toMatchObject({ failure: 'unavailable', message: 'the stdio upstream exited during the request' });
    await expect(inFlight).rejects.toBeInstanceOf(UpstreamExchangeError);
    await peer.exited;
    expect(peer.hasExited()).toBe(true);
    expect(gone.get(peer)).toBe(1);
    await expect(ask(peer, 'echo')).rejects.toMatchObject({ failure: 'unavailable' });
    peer.notify('notifications/cancelled', { requestId: 1 });
  });

  it('survives writing to a child that closed its stdin (EPIPE is no crash)', async () => {
    const peer = new StdioPeer(
      { command: process.execPath, args: ['-e', 'require("fs").closeSync(0); setTimeout(() => {}, 5000)'] },
      { env: {}, onStderr: () => undefined, onWarning: () => undefined, onGone: () => undefined },
    );
    peers.push(peer);
    const big = 'y'.repeat(256 * 1024);
    const errors = await Promise.all([1, 2, 3].map(() => peer.request('echo', { big }, { timeoutMs: 300 }).catch((e: unknown) => e)));
    expect(errors.map((e) => (e as UpstreamExchangeError).failure)).toEqual(['timeout', 'timeout', 'timeout']);
  });

  it('gives the child the SDK’s safe default environment plus the injected variables, not warden’s own', async () => {
    process.env.WARDEN_TEST_SECRET_NOT_INHERITED = 'leak';
    try {
      const peer = new StdioPeer(
        { command: process.execPath, args: ['-e', 'process.stdout.write(JSON.stringify({ jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: process.env } }) + "\\n")'] },
        { env: { INJECTED: 'yes' }, onStderr: () => undefined, onWarning: () => undefined, onNotification: (m) => heard.push(m), onGone: () => undefined },
      );
      peers.push(peer);
      await peer.exited;
      await until(async () => heard.length > 0);
      const env = (heard[0].params as { data: Record<string, string> }).data;
      expect(env.INJECTED).toBe('yes');
      expect(env.PATH).toBe(process.env.PATH);
      expect(env.WARDEN_TEST_SECRET_NOT_INHERITED).toBeUndefined();
    } finally {
      delete process.env.WARDEN_TEST_SECRET_NOT_INHERITED;
    }
  });
});

async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setImmediate(resolve));
}
