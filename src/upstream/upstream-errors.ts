import { ProtocolError, SdkError } from '@modelcontextprotocol/client';
import { WardenError } from '../common/warden-error';

/** The upstream answered the request with a JSON-RPC error object. */
export class UpstreamRpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data: unknown,
  ) {
    super(message);
    this.name = 'UpstreamRpcError';
  }
}

/** Why an exchange with the upstream failed before a JSON-RPC answer came back. */
export type UpstreamFailure = 'timeout' | 'unavailable' | 'unauthorized' | 'bad_response' | 'session_lost' | 'cancelled';

export class UpstreamExchangeError extends Error {
  constructor(
    readonly failure: UpstreamFailure,
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'UpstreamExchangeError';
  }
}

const FAILURE_CODES: Record<UpstreamFailure, [string, string]> = {
  timeout: ['UPSTREAM.TIMEOUT', 'the upstream did not answer in time'],
  unavailable: ['UPSTREAM.UNAVAILABLE', 'the upstream is unavailable'],
  session_lost: ['UPSTREAM.UNAVAILABLE', 'the upstream is unavailable'],
  unauthorized: ['UPSTREAM.UNAUTHORIZED', 'the upstream refused the credential warden presented for it (HTTP 401)'],
  bad_response: ['UPSTREAM.BAD_RESPONSE', 'the upstream answered something that is not MCP'],
  cancelled: ['CALL.CANCELLED', 'the agent cancelled the request'],
};

/**
 * Classifies what went wrong upstream, once, for the edge and the ledger:
 *   UPSTREAM.ERROR        the upstream answered with a JSON-RPC error (relayed with its code)
 *   UPSTREAM.TIMEOUT      no answer within the bound
 *   UPSTREAM.UNAVAILABLE  could not connect / connection lost / HTTP error status / session gone
 *   UPSTREAM.UNAUTHORIZED the upstream answered 401: it refused the vault's credential (or wants one)
 *   UPSTREAM.BAD_RESPONSE the upstream answered something that is not MCP
 *   CALL.CANCELLED        the agent cancelled (or went away) while the upstream worked
 * Upstream texts other than a JSON-RPC error's own message are never relayed.
 */
export function toUpstreamError(error: unknown): WardenError {
  if (error instanceof WardenError) return error;
  if (error instanceof UpstreamRpcError || error instanceof ProtocolError) {
    return new WardenError('upstream', 'UPSTREAM.ERROR', error.message, { upstreamCode: error.code, upstreamData: error.data });
  }
  if (error instanceof UpstreamExchangeError) {
    const [code, message] = FAILURE_CODES[error.failure];
    return new WardenError('upstream', code, message, error.httpStatus === undefined ? {} : { upstreamStatus: error.httpStatus });
  }
  if (error instanceof SdkError) {
    const code = String(error.code);
    if (code === 'REQUEST_TIMEOUT') return new WardenError('upstream', 'UPSTREAM.TIMEOUT', FAILURE_CODES.timeout[1]);
    if (/PARSE|INVALID|UNEXPECTED|SCHEMA|UNSUPPORTED/i.test(code)) {
      return new WardenError('upstream', 'UPSTREAM.BAD_RESPONSE', FAILURE_CODES.bad_response[1], { sdkCode: code });
    }
    return new WardenError('upstream', 'UPSTREAM.UNAVAILABLE', FAILURE_CODES.unavailable[1], { sdkCode: code });
  }
  if (error instanceof SyntaxError || (error instanceof Error && error.name === 'ZodError')) {
    return new WardenError('upstream', 'UPSTREAM.BAD_RESPONSE', FAILURE_CODES.bad_response[1]);
  }
  return new WardenError('upstream', 'UPSTREAM.UNAVAILABLE', FAILURE_CODES.unavailable[1]);
}
