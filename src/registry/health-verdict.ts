import { WardenError } from '../common/warden-error';
import type { ServerHealthStatus } from './registry.events';

/** What a failed check says about the server: the status, and the error code as the reason. */
export function healthVerdict(error: unknown): { status: ServerHealthStatus; reason: string } {
  const code = error instanceof WardenError ? error.code : 'UPSTREAM.UNAVAILABLE';
  switch (code) {
    case 'UPSTREAM.UNAUTHORIZED':
    case 'UPSTREAM.INSUFFICIENT_SCOPE':
      return { status: 'unauthorized', reason: code };
    case 'UPSTREAM.BAD_RESPONSE':
    case 'UPSTREAM.ERROR':
      return { status: 'bad_response', reason: code };
    default:
      // The MCP authorization flow refused what the upstream or its authorization server said (mcp_oauth).
      if (code.startsWith('UPSTREAM.AUTH_')) return { status: 'unauthorized', reason: code };
      return { status: 'unreachable', reason: code };
  }
}

/** Registration may record a server that is down (unreachable), not one that answered wrongly. */
export function isUnreachable(error: unknown): boolean {
  return healthVerdict(error).status === 'unreachable' && !(error instanceof WardenError && error.code === 'UPSTREAM.EGRESS_REFUSED');
}
