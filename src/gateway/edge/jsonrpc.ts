import { hasLoneSurrogate, loneSurrogatePath, mayHoldLoneSurrogate } from '../../common/lone-surrogates';
import { WardenError } from '../../common/warden-error';

export type JsonRpcId = string | number;

export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: JsonRpcId;
  method: string;
  params?: Record<string, unknown>;
}

export interface JsonRpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: Record<string, unknown>;
}

export type IncomingMessage =
  | { kind: 'request'; message: JsonRpcRequest }
  | { kind: 'notification'; message: JsonRpcNotification }
  | { kind: 'response'; id: JsonRpcId; message: Record<string, unknown> };

const invalid = (message: string, details: Record<string, unknown> = {}) =>
  new WardenError('bad_request', 'EDGE.INVALID_REQUEST', message, details);

/** A body's JSON, parsed once: the value, or the parse error to answer once the request is authenticated. */
export type ParsedBody = { ok: true; value: unknown } | { ok: false };

export function parseBody(body: string): ParsedBody {
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch {
    return { ok: false };
  }
}

/**
 * Parses one HTTP body into one JSON-RPC message, strictly: batches were removed from MCP in
 * 2025-06-18 and are refused; ids must be strings or numbers; params must be an object.
 */
export function parseJsonRpc(body: string | ParsedBody): IncomingMessage {
  const parsed = typeof body === 'string' ? parseBody(body) : body;
  if (!parsed.ok) throw new WardenError('bad_request', 'EDGE.PARSE_ERROR', 'the body is not valid JSON');
  const value = parsed.value;
  if (Array.isArray(value)) throw new WardenError('bad_request', 'EDGE.BATCH_NOT_SUPPORTED', 'JSON-RPC batches are not supported');
  if (typeof value !== 'object' || value === null) throw invalid('a JSON-RPC message must be an object');
  const msg = value as Record<string, unknown>;
  if (msg.jsonrpc !== '2.0') throw invalid('jsonrpc must be "2.0"');
  const hasId = 'id' in msg;
  if (hasId && !(typeof msg.id === 'string' || (typeof msg.id === 'number' && Number.isFinite(msg.id)))) {
    throw invalid('id must be a string or a number');
  }
  if (typeof msg.method !== 'string') {
    if (hasId && ('result' in msg || 'error' in msg)) return { kind: 'response', id: msg.id as JsonRpcId, message: msg };
    throw invalid('method must be a string');
  }
  if (msg.method.length === 0 || msg.method.length > 128) throw invalid('method must be 1-128 characters');
  if ('params' in msg && (typeof msg.params !== 'object' || msg.params === null || Array.isArray(msg.params))) {
    throw invalid('params must be an object');
  }
  if (hasId) return { kind: 'request', message: msg as unknown as JsonRpcRequest };
  return { kind: 'notification', message: msg as unknown as JsonRpcNotification };
}

/**
 * The id of a body that may fail validation, so every edge error about it can name it: a string
 * or finite number `id` of a JSON object that is not a response; null otherwise (a batch, a
 * bad id, an id holding a lone surrogate, which would not survive being echoed).
 */
export function idOf(body: string | ParsedBody): JsonRpcId | null {
  const parsed = typeof body === 'string' ? parseBody(body) : body;
  if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) return null;
  const msg = parsed.value as Record<string, unknown>;
  if ('result' in msg || 'error' in msg) return null;
  const id = msg.id;
  if (typeof id === 'number') return Number.isFinite(id) ? id : null;
  if (typeof id === 'string') return hasLoneSurrogate(id) ? null : id;
  return null;
}

/**
 * Where a parsed message holds a lone UTF-16 surrogate (method, id, params, names, arguments,
 * `_meta`, keys: anywhere), as a path like `params.arguments.note`; undefined when it holds none.
 * Such text cannot be recorded (the ledger's canonical JSON is I-JSON), so the edge refuses it.
 */
export function loneSurrogateField(body: string, parsed: IncomingMessage): string | undefined {
  if (!mayHoldLoneSurrogate(body)) return undefined;
  return loneSurrogatePath(parsed.message, '')?.replace(/^\./, '');
}

export function invalidUnicode(field: string): WardenError {
  return new WardenError('bad_request', 'EDGE.INVALID_UNICODE', `${field} holds text that is not valid Unicode (a lone UTF-16 surrogate)`, { field });
}
