import { Client, SSEClientTransport } from '@modelcontextprotocol/client';
import { ProgressRoutes } from './sdk-client-requests';
import { credentialedFetch } from './upstream-credentials';
import { UpstreamExchangeError } from './upstream-errors';
import { CLIENT_INFO, type UpstreamSession, type UpstreamSessionOptions } from './upstream-session';

/**
 * A session on the deprecated HTTP+SSE transport (2024-11-05 servers): answers arrive on the
 * server's event stream, not on the POST, so requests go through the SDK client, which pairs
 * them by id. Kept for servers not yet moved to Streamable HTTP; not the hot path.
 *
 * Progress arrives on that one shared stream, so it is routed by hop token (sdk-client-requests.ts).
 */
export async function openSseSession(url: URL, options: UpstreamSessionOptions): Promise<UpstreamSession> {
  const client = new Client(CLIENT_INFO);
  const progress = new ProgressRoutes();
  progress.listenOn(client);
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
      return progress.request(client, method, params, requestOptions, credentialed.explain);
    },
    close: async () => {
      closed = true;
      await client.close();
    },
  };
}
