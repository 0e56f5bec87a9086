import { WardenError } from '../../common/warden-error';
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

/** The parameter a method's `Mcp-Name` header mirrors (2026-07-28). */
const NAME_PARAM: Record<string, string> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  'tasks/get': 'taskId',
  'tasks/update': 'taskId',
  'tasks/cancel': 'taskId',
};

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
  const param = NAME_PARAM[message.method];
  const value = param ? message.params?.[param] : undefined;
  if (required && param && mcpName !== value) throw mismatch('Mcp-Name', mcpName, value);
  if (mcpName !== undefined && mcpName !== value) throw mismatch('Mcp-Name', mcpName, value);
}
