import { WardenError } from '../../common/warden-error';
import { decodeMcpHeaderValue, mcpNameOf } from '../../common/mcp-header-value';
import type { JsonRpcNotification, JsonRpcRequest } from './jsonrpc';

/**
 * DNS-rebinding protection, as the Streamable HTTP transport requires: the Host header must name
 * this gateway, and a browser's Origin (when sent) must be one the operator allowed.
 */
export class HostOriginPolicy {
  private readonly hosts: Set<string>;
  private readonly origins: Set<string>;

  constructor(allowedHosts: string[], allowedOrigins: string[]) {
    this.hosts = new Set(allowedHosts.map((h) => h.toLowerCase()));
    this.origins = new Set(allowedOrigins.map((o) => o.toLowerCase()));
  }

  check(host: string | undefined, origin: string | undefined): void {
    if (!host || !this.hosts.has(host.toLowerCase())) {
      throw new WardenError('forbidden', 'EDGE.HOST_NOT_ALLOWED', 'the Host header does not name this gateway');
    }
    if (origin !== undefined && !this.origins.has(origin.toLowerCase())) {
      throw new WardenError('forbidden', 'EDGE.ORIGIN_NOT_ALLOWED', 'the Origin is not allowed');
    }
  }
}

const mismatch = (header: string, sent: string | undefined, body: unknown) =>
  new WardenError('bad_request', 'EDGE.HEADER_MISMATCH', `the ${header} header does not match the body`, {
    header,
    mismatch: { header: sent ?? '(missing)', body: body === undefined ? '(missing)' : body },
  });

/**
 * Routing headers must agree with the body they describe: an intermediary that routes or
 * authorises on headers must never be shown one method and execute another. 2026-07-28 requests
 * must carry them; on older requests they are optional but must still agree when present.
 */
export function checkRoutingHeaders(
  message: JsonRpcRequest | JsonRpcNotification,
  mcpMethod: string | undefined,
  mcpName: string | undefined,
  required: boolean,
): void {
  if ((required || mcpMethod !== undefined) && mcpMethod !== message.method) throw mismatch('Mcp-Method', mcpMethod, message.method);
  const named = mcpNameOf(message.method, message.params);
  const value = named?.value;
  const decoded = mcpName === undefined ? undefined : decodeMcpHeaderValue(mcpName);
  if (required && named && (decoded === undefined || decoded !== value)) throw mismatch('Mcp-Name', mcpName, value);
  if (mcpName !== undefined && decoded !== value) throw mismatch('Mcp-Name', mcpName, value);
}
