import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent } from 'undici';
import { listenOnLoopback, type LoopbackHttpServer } from '../../test/fixtures/loopback-http';
import { MAX_RESPONSE_BYTES, type JsonRpcExchange } from './json-rpc-exchange';
import { toUpstreamError } from './upstream-errors';
import { echoExchange } from '../../test/fixtures/echo-exchange';

type Answer = (body: { id: number; method: string }, res: ServerResponse, req: IncomingMessage) => void | Promise<void>;

/** Writes `bytes` in pieces of `size`, each flushed and given a turn of the event loop (the client reads them one by one). */
async function writeInPieces(res: ServerResponse, bytes: Buffer, size: number): Promise<void> {
  for (let at = 0; at < bytes.length && !res.destroyed; at += size) {
    await new Promise<void>((resolve) => res.write(bytes.subarray(at, at + size), () => resolve()));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Resolves when the response can take more (or is gone), its listeners removed again. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

/** Resolves when the server's response is closed: `finished` false when it closed before it was all sent (the client went away). */
const closed = (res: ServerResponse) => new Promise<{ finished: boolean }>((resolve) => res.once('close', () => resolve({ finished: res.writableFinished })));

/**
 * How the hop reads a response body chunk by chunk (the dispatch handler): answers in tiny pieces,
 * bodies over the bounds, connections that break mid-body, a caller who cancels mid-stream, and
 * what becomes of the connection afterwards. A real node:http server on 127.0.0.1.
 */
describe('exchangeJsonRpc reading the body as it arrives', () => {
  let server: LoopbackHttpServer;
  let answer: Answer;
  const requests: Array<{ method: string; port: number }> = [];
  // One connection: a second request waits for it, so whether it was kept shows as the client port.
  // A fresh one per test: undici's Agent retires an origin's client after a connection is lost.
  let dispatcher: Agent;
  beforeAll(async () => {
    server = await listenOnLoopback(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      requests.push({ method: req.method ?? '', port: req.socket.remotePort ?? 0 });
      await answer(req.method === 'GET' ? { id: -1, method: 'GET' } : JSON.parse(body), res, req);
    });
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    requests.length = 0;
    dispatcher = new Agent({ keepAliveTimeout: 5_000, connections: 1 });
  });
  afterEach(() => dispatcher.destroy());

  const send = (overrides: Partial<JsonRpcExchange> = {}) => echoExchange(dispatcher, server.url, 5_000, overrides);
  const reason = (promise: Promise<unknown>) => promise.then(() => 'resolved', (error: unknown) => toUpstreamError(error).code);
  const text = 'héllo wörld ✓ 🦉';
  const result = { content: [{ type: 'text', text }] };

  it('takes an SSE answer that arrives one byte at a time (CRLF lines, characters split across chunks)', async () => {
    const notes: unknown[] = [];
    answer = async ({ id }, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const frames =
        'id: p1\r\ndata: \r\n\r\n' +
        `event: message\r\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1,"message":"${text}"}}\r\n\r\n` +
        `event: message\r\ndata: ${JSON.stringify({ jsonrpc: '2.0', id, result })}\r\n\r\n`;
      await writeInPieces(res, Buffer.from(frames), 1);
      res.end();
    };
    await expect(send({ onNotification: (m) => notes.push(m) })).resolves.toEqual(result);
    expect(notes).toEqual([{ jsonrpc: '2.0', method: 'notifications/progress', params: { progress: 1, message: text } }]);
  });

  it('takes a JSON answer that arrives in many small chunks, multi-byte characters split between them', async () => {
    const padded = { content: [{ type: 'text', text: text.repeat(200) }] };
    answer = async ({ id }, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      await writeInPieces(res, Buffer.from(JSON.stringify({ jsonrpc: '2.0', id, result: padded })), 7);
      res.end();
    };
    await expect(send()).resolves.toEqual(padded);
  });

  it('takes the answer after a 103 Early Hints informational response', async () => {
    answer = ({ id }, res) => {
      res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id, result }));
    };
    await expect(send()).resolves.toEqual(result);
  });

  it('refuses an SSE stream that grows past the bound before the answer, and closes the connection', async () => {
    const note = Buffer.from(`data: {"jsonrpc":"2.0","method":"notifications/message","params":{"data":"${'x'.repeat(64 * 1024)}"}}\n\n`);
    answer = async ({ id }, res) => {
      if (id !== 7) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id, result: { second: true } }));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let sent = 0; sent <= MAX_RESPONSE_BYTES + note.length && !res.destroyed; sent += note.length) {
        if (!res.write(note)) await drained(res);
      }
      res.end('data: {"jsonrpc":"2.0","id":7,"result":{}}\n\n');
    };
    await expect(reason(send({ timeoutMs: 20_000 }))).resolves.toBe('UPSTREAM.BAD_RESPONSE');
    await expect(send({ id: 8, body: JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'tools/call' }) })).resolves.toEqual({ second: true });
    expect(requests[1].port).not.toBe(requests[0].port);
  });

  it('classifies a connection reset in the middle of a JSON body as UPSTREAM.UNAVAILABLE', async () => {
    answer = async ({ id }, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
      await writeInPieces(res, Buffer.from(`{"jsonrpc":"2.0","id":${id},"result":{"content":[`), 8);
      res.socket?.destroy();
    };
    await expect(reason(send())).resolves.toBe('UPSTREAM.UNAVAILABLE');
  });

  it('classifies a connection reset in the middle of an SSE stream that named no event id as UPSTREAM.UNAVAILABLE', async () => {
    answer = async (_b, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      await writeInPieces(res, Buffer.from('data: {"jsonrpc":"2.0","method":"notifications/progress","params":{}}\n\ndata: {"jsonrpc":"2.0","id":7,"res'), 16);
      res.socket?.destroy();
    };
    await expect(reason(send())).resolves.toBe('UPSTREAM.UNAVAILABLE');
  });

  it('resumes (GET with Last-Event-ID) a stream whose connection was reset mid-event after it named an id', async () => {
    answer = async (_b, res, req) => {
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/event-stream' }).end(`id: e2\ndata: {"jsonrpc":"2.0","id":7,"result":{"resumed":"${req.headers['last-event-id']}"}}\n\n`);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      await writeInPieces(res, Buffer.from('id: e1\nretry: 1\ndata: \n\nid: e2\ndata: {"jsonrpc":"2.0","id":7,"re'), 5);
      res.socket?.destroy();
    };
    await expect(send()).resolves.toEqual({ resumed: 'e1' });
    expect(requests.map((r) => r.method)).toEqual(['POST', 'GET']);
  });

  it('reports a caller cancelling mid-stream as CALL.CANCELLED and stops reading (the response is cut off)', async () => {
    const caller = new AbortController();
    let response: Promise<{ finished: boolean }> | undefined;
    answer = async (_b, res) => {
      response = closed(res);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('id: e1\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1}}\n\n');
      // The answer never comes: only the caller's cancellation ends the exchange.
    };
    const outcome = reason(send({ signal: caller.signal, onNotification: () => caller.abort() }));
    await expect(outcome).resolves.toBe('CALL.CANCELLED');
    await expect(response).resolves.toEqual({ finished: false });
    expect(requests.map((r) => r.method)).toEqual(['POST']); // a cancelled stream is not resumed
  });

  it('does not send anything for a caller that cancelled before the exchange began', async () => {
    answer = ({ id }, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id, result }));
    await expect(reason(send({ signal: AbortSignal.abort() }))).resolves.toBe('CALL.CANCELLED');
    await expect(send()).resolves.toEqual(result);
    expect(requests).toHaveLength(1);
  });

  it('settles on the answering event while the stream stays open, and keeps the connection once the stream ends', async () => {
    let finish: (() => void) | undefined;
    answer = ({ id }, res) => {
      if (id !== 7) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id, result: { second: true } }));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ jsonrpc: '2.0', id, result })}\n\n`);
      finish = () => res.end(`data: {"jsonrpc":"2.0","method":"notifications/message","params":{"data":"${'late '.repeat(1000)}"}}\n\n`);
    };
    await expect(send()).resolves.toEqual(result);
    finish!(); // the answered stream ends only now: what follows the answer is read and discarded
    const second = send({ id: 8, body: JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'echo' } }) });
    await expect(second).resolves.toEqual({ second: true });
    expect(requests).toHaveLength(2);
    expect(requests[1].port).toBe(requests[0].port);
  });

  it('closes the connection of an answer refused as too large (it is not read to its end)', async () => {
    answer = async ({ id }, res) => {
      if (id !== 7) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id, result: { second: true } }));
      // A body longer than the bound that never completes: only closing the connection ends it.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(2 * MAX_RESPONSE_BYTES) });
      res.write('{"');
      const block = Buffer.alloc(1024 * 1024, 'x');
      for (let sent = 0; sent <= MAX_RESPONSE_BYTES && !res.destroyed; sent += block.length) {
        if (!res.write(block)) await drained(res);
      }
    };
    await expect(reason(send({ timeoutMs: 20_000 }))).resolves.toBe('UPSTREAM.BAD_RESPONSE');
    await expect(send({ id: 8, body: JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'tools/call' }) })).resolves.toEqual({ second: true });
    expect(requests[1].port).not.toBe(requests[0].port);
  });

  it.each<[number, string]>([
    [500, 'UPSTREAM.UNAVAILABLE'],
    [401, 'UPSTREAM.UNAUTHORIZED'],
  ])('classifies HTTP %i with an error body far over the error-body bound by its status', async (status, code) => {
    answer = async (_b, res) => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      await writeInPieces(res, Buffer.alloc(256 * 1024, 'e'), 16 * 1024);
      res.end();
    };
    const error = await send().catch((e: unknown) => toUpstreamError(e));
    expect(error).toMatchObject({ code, details: { upstreamStatus: status } });
  });

  it('classifies an HTTP error whose body never ends by its status once the time is up (a 401 still gets its credential retry)', async () => {
    answer = (_b, res) => {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer error="invalid_token"' });
      res.write('{"jsonrpc":"2.0",'); // and nothing more
    };
    const error = await send({ timeoutMs: 150 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ failure: 'unauthorized', httpStatus: 401, challenge: 'Bearer error="invalid_token"' });
  });

  it('reads a JSON-RPC error from an HTTP error body that arrives in pieces', async () => {
    answer = async ({ id }, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      await writeInPieces(res, Buffer.from(JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32602, message: 'bad arguments ✗' } })), 3);
      res.end();
    };
    const error = await send().catch((e: unknown) => toUpstreamError(e));
    expect(error).toMatchObject({ code: 'UPSTREAM.ERROR', message: 'bad arguments ✗', details: { upstreamCode: -32602 } });
  });
});
