import { Client, SSEClientTransport } from '@modelcontextprotocol/client';
import { z } from 'zod';
import { UpstreamExchangeError } from './upstream-errors';
import { upstreamFetch } from './upstream-fetch';
import { CLIENT_INFO, type UpstreamSession, type UpstreamSessionOptions } from './upstream-session';

/** Any JSON-RPC result, relayed unchanged. */
const AnyResult = z.looseObject({});

/**
 * A session on the deprecated HTTP+SSE transport (2024-11-05 servers): answers arrive on the
 * server's event stream, not on the POST, so requests go through the SDK client, which pairs
 * them by id. Kept for servers not yet moved to Streamable HTTP; not the hot path.
 */
export async function openSseSession(url: URL, options: UpstreamSessionOptions): Promise<UpstreamSession> {
  const client = new Client(CLIENT_INFO);
  const transport = new SSEClientTransport(url, { requestInit: { headers: options.headers ?? {} }, fetch: upstreamFetch });
  await client.connect(transport, { timeout: options.timeoutMs });
  let closed = false;
  client.onclose = () => {
    closed = true;
  };
  return {
    protocolVersion: client.getNegotiatedProtocolVersion(),
    capabilities: Object.freeze({ ...(client.getServerCapabilities() ?? {}) }),
    async request(method, params, requestOptions) {
      if (closed) throw new UpstreamExchangeError('session_lost', 'upstream session closed');
      try {
        const result = await client.request({ method, params } as never, AnyResult, { timeout: requestOptions.timeoutMs, signal: requestOptions.signal });
        return result as Record<string, unknown>;
      } catch (error) {
        // The SDK client has told the upstream (notifications/cancelled).
        if (requestOptions.signal?.aborted) throw new UpstreamExchangeError('cancelled', 'cancelled by the caller');
        throw error;
      }
    },
    close: async () => {
      closed = true;
      await client.close();
    },
  };
}
