import { Client, SSEClientTransport } from '@modelcontextprotocol/client';
import { z } from 'zod';
import { credentialedFetch } from './upstream-credentials';
import { UpstreamExchangeError } from './upstream-errors';
import { CLIENT_INFO, type UpstreamSession, type UpstreamSessionOptions } from './upstream-session';

/** Any JSON-RPC result, relayed unchanged. */
const AnyResult = z.looseObject({});

type Message = Record<string, unknown>;

/**
 * A session on the deprecated HTTP+SSE transport (2024-11-05 servers): answers arrive on the
 * server's event stream, not on the POST, so requests go through the SDK client, which pairs
 * them by id. Kept for servers not yet moved to Streamable HTTP; not the hot path.
 *
 * Progress arrives on that one shared stream, so it is routed by token: each request that wants
 * progress gets a hop token of warden's own (two agents may both use token 1), mapped back to
 * the agent's. (The SDK's own `onprogress` does not work over this transport: 2.4.0 reports
 * "unknown token" for every notification.)
 */
export async function openSseSession(url: URL, options: UpstreamSessionOptions): Promise<UpstreamSession> {
  const client = new Client(CLIENT_INFO);
  const progressRoutes = new Map<string, (notification: Message) => void>();
  let nextToken = 1;
  client.setNotificationHandler('notifications/progress', (notification) => {
    const token = (notification.params as { progressToken?: unknown }).progressToken;
    if (typeof token === 'string') progressRoutes.get(token)?.(notification as unknown as Message);
  });
  if (options.onToolsChanged) client.setNotificationHandler('notifications/tools/list_changed', () => options.onToolsChanged!());
  const credentialed = credentialedFetch(options.credentials, options.egress.fetch);
  const transport = new SSEClientTransport(url, { requestInit: { headers: options.headers ?? {} }, fetch: credentialed.fetch });
  try {
    await client.connect(transport, { timeout: options.timeoutMs });
  } catch (error) {
    throw credentialed.explain(error);
  }
  let closed = false;
  client.onclose = () => {
    closed = true;
  };
  return {
    protocolVersion: client.getNegotiatedProtocolVersion(),
    capabilities: Object.freeze({ ...(client.getServerCapabilities() ?? {}) }),
    async request(method, params, requestOptions) {
      if (closed) throw new UpstreamExchangeError('session_lost', 'upstream session closed');
      const meta = params?._meta as { progressToken?: unknown } | undefined;
      const agentToken = meta?.progressToken;
      const onNotification = requestOptions.onNotification;
      let hopToken: string | undefined;
      if (onNotification && agentToken !== undefined) {
        hopToken = `warden-${nextToken++}`;
        progressRoutes.set(hopToken, (n) => onNotification({ jsonrpc: '2.0', ...n, params: { ...(n.params as Message), progressToken: agentToken } }));
      }
      const sent = hopToken ? { ...params, _meta: { ...meta, progressToken: hopToken } } : params;
      try {
        const result = await client.request({ method, params: sent } as never, AnyResult, { timeout: requestOptions.timeoutMs, signal: requestOptions.signal });
        return result as Record<string, unknown>;
      } catch (error) {
        // The SDK client has told the upstream (notifications/cancelled).
        if (requestOptions.signal?.aborted) throw new UpstreamExchangeError('cancelled', 'cancelled by the caller');
        throw credentialed.explain(error);
      } finally {
        if (hopToken) progressRoutes.delete(hopToken);
      }
    },
    close: async () => {
      closed = true;
      await client.close();
    },
  };
}
