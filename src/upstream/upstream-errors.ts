import { ProtocolError, SdkError, SdkHttpError } from '@modelcontextprotocol/client';
import { EgressError } from '@warden/egress';
import { parseBearerChallenge } from '../common/bearer-challenge';
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
    /** The `WWW-Authenticate` of a 401 / 403 (upstream text: parsed, never relayed). */
    readonly challenge?: string,
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
 *   UPSTREAM.UNAUTHORIZED the upstream answered 401 / 403: it refused the vault's credential (or wants one warden did not send)
 *   UPSTREAM.INSUFFICIENT_SCOPE the upstream answered 403 insufficient_scope (data.requiredScope: the scope it named)
 *   UPSTREAM.BAD_RESPONSE the upstream answered something that is not MCP
 *   UPSTREAM.EGRESS_REFUSED the egress guard refused the connection (data.reason: EGRESS.*)
 *   CALL.CANCELLED        the agent cancelled (or went away) while the upstream worked
 * Upstream texts other than a JSON-RPC error's own message are never relayed.
 */
export function toUpstreamError(error: unknown): WardenError {
  if (error instanceof WardenError) return error;
  const egress = egressRefusalIn(error);
  if (egress) return new WardenError('upstream', 'UPSTREAM.EGRESS_REFUSED', 'warden may not connect to this upstream (egress policy)', { reason: egress.code });
  if (error instanceof UpstreamRpcError || error instanceof ProtocolError) {
    return new WardenError('upstream', 'UPSTREAM.ERROR', error.message, { upstreamCode: error.code, upstreamData: error.data });
  }
  const status = error instanceof UpstreamExchangeError ? error.httpStatus : error instanceof SdkHttpError ? error.status : undefined;
  const challenge = error instanceof UpstreamExchangeError ? parseBearerChallenge(error.challenge) : undefined;
  if (status === 403 && challenge?.error === 'insufficient_scope') {
    return new WardenError('upstream', 'UPSTREAM.INSUFFICIENT_SCOPE', 'the upstream refused the token: it needs a scope warden was not granted (403 insufficient_scope)', {
      upstreamStatus: status,
      ...(challenge.scope ? { requiredScope: challenge.scope } : {}),
    });
  }
  if (status === 401 || status === 403) {
    return new WardenError('upstream', 'UPSTREAM.UNAUTHORIZED', 'the upstream refused the credential warden presented for it (or asked for one)', { upstreamStatus: status });
  }
  if (error instanceof UpstreamExchangeError) {
    const [code, message] = FAILURE_CODES[error.failure];
    return new WardenError('upstream', code, message, error.httpStatus === undefined ? {} : { upstreamStatus: error.httpStatus });
  }
  if (error instanceof SdkError) {
    const code = String(error.code);
    // The handshake's failures wrap their cause (a version probe that got HTML is ERA_NEGOTIATION_FAILED
    // caused by CLIENT_HTTP_UNEXPECTED_CONTENT): the innermost SDK code says what happened.
    const codes = sdkCodesOf(error);
    if (codes.includes('REQUEST_TIMEOUT')) return new WardenError('upstream', 'UPSTREAM.TIMEOUT', FAILURE_CODES.timeout[1]);
    if (codes.some((c) => /PARSE|INVALID|UNEXPECTED|SCHEMA|UNSUPPORTED/i.test(c))) {
      return new WardenError('upstream', 'UPSTREAM.BAD_RESPONSE', FAILURE_CODES.bad_response[1], { sdkCode: code });
    }
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

/** The egress guard's refusal behind an error (fetch and the SDK wrap it as a cause), if any. */
function egressRefusalIn(error: unknown): EgressError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    if (current instanceof EgressError) return current;
    current = (current as Error & { cause?: unknown }).cause;
  }
  return undefined;
}

function sdkCodesOf(error: SdkError): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current instanceof SdkError; depth++) {
    codes.push(String(current.code));
    current = (current as Error & { cause?: unknown }).cause;
  }
  return codes;
}
