import { request, type Dispatcher } from 'undici';
import { SseParser } from './sse-events';
import { UpstreamExchangeError, UpstreamRpcError } from './upstream-errors';

/** A response bigger than this is refused (bad response), not buffered without end. */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
/** The body of an HTTP error answer is read only this far (to find a JSON-RPC error in it). */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

export type JsonRpcMessage = Record<string, unknown>;

export interface JsonRpcExchange {
  url: URL;
  headers: Record<string, string>;
  /** The id of the request in `body`; its response is the one waited for. */
  id: number;
  /** The serialised JSON-RPC request. */
  body: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** A 2025 server may ask something of the client on the response stream; told of each such request. */
  onServerRequest?: (message: JsonRpcMessage) => void;
  /** Told of each notification (progress, logging) that arrives on the response stream before the answer. */
  onNotification?: (message: JsonRpcMessage) => void;
  /** A 404 means the upstream forgot the session (2025 revisions), not a missing method. */
  sessionful: boolean;
  /** Told each time a response stream that ended early is resumed (GET with Last-Event-ID). */
  onResumed?: () => void;
}

/** Resumptions in a row that brought no new event before the exchange gives up (UPSTREAM.UNAVAILABLE). */
export const MAX_RESUMPTIONS = 3;
/** The longest wait before a resumption, whatever `retry` the stream asked for. */
const MAX_RESUME_DELAY_MS = 2_000;

/**
 * One JSON-RPC request POSTed to an MCP Streamable HTTP endpoint and its answer read, as plain
 * JSON or as the response's SSE stream (stopping at the event that answers it): one undici
 * request on the shared keep-alive dispatcher, the body parsed once. Failures are typed:
 * UpstreamRpcError for a JSON-RPC error answer, UpstreamExchangeError for everything else.
 */
export async function exchangeJsonRpc(dispatcher: Dispatcher, exchange: JsonRpcExchange): Promise<JsonRpcMessage> {
  const abort = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, exchange.timeoutMs);
  const cancel = () => abort.abort();
  // A caller that cancelled already: nothing is sent (an 'abort' listener would never hear of it).
  if (exchange.signal?.aborted) cancel();
  else exchange.signal?.addEventListener('abort', cancel, { once: true });
  try {
    return await send(dispatcher, exchange, abort.signal);
  } catch (error) {
    if (error instanceof UpstreamRpcError || error instanceof UpstreamExchangeError) throw error;
    if (timedOut) throw new UpstreamExchangeError('timeout', 'no answer in time');
    if (exchange.signal?.aborted) throw new UpstreamExchangeError('cancelled', 'cancelled by the caller');
    throw new UpstreamExchangeError('unavailable', 'connection failed');
  } finally {
    clearTimeout(timer);
    exchange.signal?.removeEventListener('abort', cancel);
  }
}

/**
 * POSTs a JSON-RPC notification or response (a message that gets no JSON-RPC answer, HTTP 202)
 * and discards the answer. Best effort: failures resolve to false.
 */
export async function postJsonRpcMessage(dispatcher: Dispatcher, url: URL, headers: Record<string, string>, message: JsonRpcMessage, timeoutMs: number): Promise<boolean> {
  try {
    const response = await request(url, { method: 'POST', headers, body: JSON.stringify(message), dispatcher, signal: AbortSignal.timeout(timeoutMs) });
    await response.body.dump();
    return response.statusCode >= 200 && response.statusCode < 300;
  } catch {
    return false;
  }
}

async function send(dispatcher: Dispatcher, exchange: JsonRpcExchange, signal: AbortSignal): Promise<JsonRpcMessage> {
  const response = await request(exchange.url, {
    method: 'POST',
    headers: exchange.headers,
    body: exchange.body,
    dispatcher,
    signal,
  });
  const { statusCode, body } = response;
  const contentType = String(response.headers['content-type'] ?? '').toLowerCase();
  if (statusCode < 200 || statusCode >= 300) {
    const text = await readText(body, MAX_ERROR_BODY_BYTES, true).catch(() => '');
    if (exchange.sessionful && statusCode === 404) throw new UpstreamExchangeError('session_lost', 'the upstream forgot the session', statusCode);
    const challenge = statusCode === 401 || statusCode === 403 ? headerText(response.headers['www-authenticate']) : undefined;
    if (statusCode === 401) throw new UpstreamExchangeError('unauthorized', 'the upstream refused the credential', statusCode, challenge);
    const answer = parseJson(text);
    // A JSON-RPC error for this very request (2026 servers answer protocol errors with 4xx).
    if (answer && answer.id === exchange.id && 'error' in answer) return answerOf(answer, exchange.id);
    throw new UpstreamExchangeError('unavailable', `HTTP ${statusCode}`, statusCode, challenge);
  }
  if (contentType.startsWith('application/json')) {
    const answer = parseJson(await readText(body, MAX_RESPONSE_BYTES, false));
    if (!answer || answer.id !== exchange.id) throw new UpstreamExchangeError('bad_response', 'not a JSON-RPC response to the request');
    return answerOf(answer, exchange.id);
  }
  if (contentType.startsWith('text/event-stream')) return readResumableStream(dispatcher, exchange, body, signal);
  void body.dump().catch(() => undefined);
  throw new UpstreamExchangeError('bad_response', `unexpected content type ${contentType || '(none)'}`);
}

/** A response header as one string (several fields joined, as RFC 9110 §5.3 allows). */
function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

interface StreamProgress {
  /** Bytes received over every stream of this exchange (the size bound holds across resumptions). */
  received: number;
  lastEventId?: string;
  retryMs?: number;
}

/**
 * The answer from the request's SSE stream and, when the upstream closes that stream before the
 * answer (SEP-1699; Streamable HTTP "Resumability and Redelivery"), from the streams that resume
 * it: a GET on the endpoint with the session's headers and `Last-Event-ID`, after the `retry` the
 * stream asked for (bounded). A stream that never named an event id cannot be resumed. Each
 * resumption that brings no new event counts; MAX_RESUMPTIONS of them in a row give up.
 */
async function readResumableStream(dispatcher: Dispatcher, exchange: JsonRpcExchange, first: Dispatcher.ResponseData['body'], signal: AbortSignal): Promise<JsonRpcMessage> {
  const progress: StreamProgress = { received: 0 };
  let body = first;
  let fruitless = 0;
  for (;;) {
    const before = progress.lastEventId;
    const answer = await readEventStream(body, exchange, progress);
    if (answer) return answer;
    if (signal.aborted) throw new Error('aborted'); // classified by exchangeJsonRpc: timeout or cancelled
    if (progress.lastEventId === undefined) throw new UpstreamExchangeError('unavailable', 'the stream ended without an answer');
    fruitless = progress.lastEventId === before ? fruitless + 1 : 1;
    if (fruitless > MAX_RESUMPTIONS) throw new UpstreamExchangeError('unavailable', 'the stream ended without an answer and resuming it did not bring one');
    await sleep(Math.min(progress.retryMs ?? 0, MAX_RESUME_DELAY_MS), signal);
    body = await resume(dispatcher, exchange, progress.lastEventId, signal);
    exchange.onResumed?.();
  }
}

/** GET on the MCP endpoint with Last-Event-ID: the stream the upstream replays the request's events on. */
async function resume(dispatcher: Dispatcher, exchange: JsonRpcExchange, lastEventId: string, signal: AbortSignal): Promise<Dispatcher.ResponseData['body']> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(exchange.headers)) if (name.toLowerCase() !== 'content-type') headers[name] = value;
  const response = await request(exchange.url, { method: 'GET', headers: { ...headers, accept: 'text/event-stream', 'last-event-id': lastEventId }, dispatcher, signal });
  const contentType = String(response.headers['content-type'] ?? '').toLowerCase();
  if (response.statusCode >= 200 && response.statusCode < 300 && contentType.startsWith('text/event-stream')) return response.body;
  await response.body.dump().catch(() => undefined);
  if (exchange.sessionful && response.statusCode === 404) throw new UpstreamExchangeError('session_lost', 'the upstream forgot the session', 404);
  throw new UpstreamExchangeError('unavailable', `resuming the stream: HTTP ${response.statusCode}`, response.statusCode);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Reads one SSE stream of the request up to the event that answers it, handing notifications and
 * server requests seen before it to the exchange; resolves undefined when the stream ends (or
 * breaks) first, with the last event id and retry it set in `progress`. The rest of the stream
 * is drained (not read) so that the connection can be reused.
 */
function readEventStream(body: Dispatcher.ResponseData['body'], exchange: JsonRpcExchange, progress: StreamProgress): Promise<JsonRpcMessage | undefined> {
  body.setEncoding('utf8');
  const parser = new SseParser();
  return new Promise<JsonRpcMessage | undefined>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => JsonRpcMessage | undefined) => {
      if (settled) return;
      settled = true;
      try {
        resolve(outcome());
      } catch (error) {
        reject(error);
      }
    };
    body.on('data', (chunk: string) => {
      if (settled) return;
      progress.received += chunk.length;
      if (progress.received > MAX_RESPONSE_BYTES) {
        body.destroy();
        return settle(() => {
          throw new UpstreamExchangeError('bad_response', 'response too large');
        });
      }
      const events = parser.push(chunk);
      if (parser.lastEventId !== undefined) progress.lastEventId = parser.lastEventId;
      if (parser.retryMs !== undefined) progress.retryMs = parser.retryMs;
      for (const event of events) {
        // An event with empty data is a resumption primer (2025-11-25 servers send one first).
        if (event.event !== 'message' || event.data === '') continue;
        const message = parseJson(event.data);
        if (!message) {
          body.destroy();
          return settle(() => {
            throw new UpstreamExchangeError('bad_response', 'an SSE event that is not JSON-RPC');
          });
        }
        if (message.id === exchange.id && ('result' in message || 'error' in message)) return settle(() => answerOf(message, exchange.id));
        if (typeof message.method !== 'string') continue; // an answer to another id
        if ('id' in message) exchange.onServerRequest?.(message);
        else exchange.onNotification?.(message);
      }
    });
    // Ended or broken before the answer: the caller resumes the stream if it can.
    body.on('end', () => settle(() => undefined));
    body.on('error', () => settle(() => undefined));
  });
}

function answerOf(message: JsonRpcMessage, id: number): JsonRpcMessage {
  if (message.jsonrpc !== '2.0' || message.id !== id) throw new UpstreamExchangeError('bad_response', 'not a JSON-RPC 2.0 response');
  if ('error' in message) {
    const error = message.error as { code?: unknown; message?: unknown; data?: unknown } | null;
    if (!error || typeof error.code !== 'number' || !Number.isInteger(error.code) || typeof error.message !== 'string') {
      throw new UpstreamExchangeError('bad_response', 'a malformed JSON-RPC error');
    }
    throw new UpstreamRpcError(error.code, error.message, error.data);
  }
  const result = message.result;
  if (typeof result !== 'object' || result === null || Array.isArray(result)) {
    throw new UpstreamExchangeError('bad_response', 'a JSON-RPC result that is not an object');
  }
  return result as JsonRpcMessage;
}

function parseJson(text: string): JsonRpcMessage | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonRpcMessage) : undefined;
  } catch {
    return undefined;
  }
}

/** The body as UTF-8, at most `limit` bytes: beyond it, truncate (error bodies) or refuse. */
async function readText(body: Dispatcher.ResponseData['body'], limit: number, truncate: boolean): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      if (truncate) break;
      throw new UpstreamExchangeError('bad_response', 'response too large');
    }
    parts.push(chunk);
  }
  return Buffer.concat(parts).toString('utf8');
}
