import { WardenError } from '../../common/warden-error';

/**
 * The one place where warden's error codes become JSON-RPC errors. `data.reason` is always the
 * machine-readable code; messages never carry secrets or stack traces.
 */
export const JSONRPC = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** warden's server-error range */
  UNAUTHENTICATED: -32001,
  UPSTREAM_FAILED: -32002,
  DENIED: -32003,
  UNAVAILABLE: -32004,
  /** as LSP's RequestCancelled */
  CANCELLED: -32800,
  /** 2026-07-28 transport codes */
  HEADER_MISMATCH: -32020,
  UNSUPPORTED_PROTOCOL_VERSION: -32022,
} as const;

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data: { reason: string; [key: string]: unknown };
}

const CODE_BY_REASON: Record<string, number> = {
  'EDGE.PARSE_ERROR': JSONRPC.PARSE_ERROR,
  /** Bytes that are not UTF-8 are not JSON text (RFC 8259 §8.1). */
  'EDGE.INVALID_UTF8': JSONRPC.PARSE_ERROR,
  'EDGE.METHOD_NOT_FOUND': JSONRPC.METHOD_NOT_FOUND,
  'CALL.CANCELLED': JSONRPC.CANCELLED,
  'EDGE.INVALID_PARAMS': JSONRPC.INVALID_PARAMS,
  /** A list cursor warden did not issue for this list and agent (gateway/relay/aggregate-cursor.ts). */
  'EDGE.INVALID_CURSOR': JSONRPC.INVALID_PARAMS,
  /** Not I-JSON, so not a valid request object, wherever the lone surrogate sits. */
  'EDGE.INVALID_UNICODE': JSONRPC.INVALID_REQUEST,
  'GATE.UNKNOWN_TOOL': JSONRPC.INVALID_PARAMS,
  /** Authenticated but not served (HTTP 403): still an authentication failure for the agent. */
  'AUTH.AGENT_SUSPENDED': JSONRPC.UNAUTHENTICATED,
  'EDGE.HEADER_MISMATCH': JSONRPC.HEADER_MISMATCH,
  'EDGE.UNSUPPORTED_PROTOCOL_VERSION': JSONRPC.UNSUPPORTED_PROTOCOL_VERSION,
};

const CODE_BY_KIND: Record<WardenError['kind'], number> = {
  bad_request: JSONRPC.INVALID_REQUEST,
  unauthenticated: JSONRPC.UNAUTHENTICATED,
  forbidden: JSONRPC.DENIED,
  denied: JSONRPC.DENIED,
  not_found: JSONRPC.INVALID_PARAMS,
  conflict: JSONRPC.INVALID_REQUEST,
  upstream: JSONRPC.UPSTREAM_FAILED,
  unavailable: JSONRPC.UNAVAILABLE,
};

export function toJsonRpcError(error: unknown): JsonRpcErrorObject {
  if (!(error instanceof WardenError)) {
    return { code: JSONRPC.INTERNAL_ERROR, message: 'internal error', data: { reason: 'INTERNAL' } };
  }
  if (error.code === 'UPSTREAM.ERROR' && typeof error.details.upstreamCode === 'number') {
    // The upstream's own JSON-RPC error, relayed with its code; the reason says where it came from.
    const { upstreamCode, upstreamData } = error.details;
    return { code: upstreamCode, message: error.message, data: { reason: error.code, ...(upstreamData === undefined ? {} : { upstream: upstreamData }) } };
  }
  const code = CODE_BY_REASON[error.code] ?? CODE_BY_KIND[error.kind];
  const { upstreamCode: _c, upstreamData: _d, ...details } = error.details;
  return { code, message: error.message, data: { reason: error.code, ...details } };
}
