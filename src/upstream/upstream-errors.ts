import { ProtocolError, SdkError } from '@modelcontextprotocol/client';
import { WardenError } from '../common/warden-error';

/**
 * Classifies what went wrong upstream, once, for the edge and the ledger:
 *   UPSTREAM.ERROR        the upstream answered with a JSON-RPC error (relayed with its code)
 *   UPSTREAM.TIMEOUT      no answer within the bound
 *   UPSTREAM.UNAVAILABLE  could not connect / connection lost / HTTP error status
 *   UPSTREAM.BAD_RESPONSE the upstream answered something that is not MCP
 */
export function toUpstreamError(error: unknown): WardenError {
  if (error instanceof WardenError) return error;
  if (error instanceof ProtocolError) {
    return new WardenError('upstream', 'UPSTREAM.ERROR', error.message, { upstreamCode: error.code, upstreamData: error.data });
  }
  if (error instanceof SdkError) {
    const code = String(error.code);
    if (code === 'REQUEST_TIMEOUT') return new WardenError('upstream', 'UPSTREAM.TIMEOUT', 'the upstream did not answer in time');
    if (/PARSE|INVALID|UNEXPECTED|SCHEMA|UNSUPPORTED/i.test(code)) {
      return new WardenError('upstream', 'UPSTREAM.BAD_RESPONSE', 'the upstream answered something that is not MCP', { sdkCode: code });
    }
    return new WardenError('upstream', 'UPSTREAM.UNAVAILABLE', 'the upstream is unavailable', { sdkCode: code });
  }
  if (error instanceof SyntaxError || (error instanceof Error && error.name === 'ZodError')) {
    return new WardenError('upstream', 'UPSTREAM.BAD_RESPONSE', 'the upstream answered something that is not MCP');
  }
  return new WardenError('upstream', 'UPSTREAM.UNAVAILABLE', 'the upstream is unavailable');
}
