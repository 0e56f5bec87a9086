import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { encodeMcpHeaderValue, mcpNameOf } from '../common/mcp-header-value';
import { StandaloneRequests } from './standalone-requests';
import { exchangeJsonRpc, postJsonRpcMessage, type JsonRpcMessage } from './json-rpc-exchange';
import { credentialedFetch, withCredential, type InjectedCredential } from './upstream-credentials';
import { UpstreamExchangeError } from './upstream-errors';
import { listenOnUpstream } from './upstream-listen';
import { CLIENT_INFO, RELAYED_SESSION_NOTIFICATIONS, STATELESS_REVISION, type UpstreamRequestOptions, type UpstreamSession, type UpstreamSessionOptions } from './upstream-session';

/**
 * One MCP client to one upstream, speaking the upstream's own revision. The SDK does the
 * handshake, where it earns its keep: the 2.x client probes `server/discover` and falls back to
 * `initialize` (+ `notifications/initialized`, session id) for 2025 servers. Requests then take
 * warden's lean path (one undici request, body parsed once; DESIGN.md §5): the session id and
 * version headers for 2025 upstreams, the `_meta` envelope and routing headers for 2026-07-28.
 * Concurrent requests share it; ids multiplex.
 */
export async function openStreamableSession(url: URL, options: UpstreamSessionOptions): Promise<UpstreamSession> {
  const declared = options.clientCapabilities ?? {};
  const client = new Client(CLIENT_INFO, { capabilities: declared, versionNegotiation: { mode: 'auto', probe: { timeoutMs: options.timeoutMs } } });
  const standalone = new StandaloneRequests();
  standalone.listenOn(client, declared);
  if (options.onToolsChanged) client.setNotificationHandler('notifications/tools/list_changed', () => options.onToolsChanged!());
  for (const method of RELAYED_SESSION_NOTIFICATIONS) {
    client.setNotificationHandler(method, (notification) => options.onNotification?.({ jsonrpc: '2.0', ...(notification as object) }));
  }
  const handshake = credentialedFetch(options.credentials, options.egress.fetch);
  const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers: options.headers ?? {} }, fetch: handshake.fetch });
  try {
    await client.connect(transport, { timeout: options.timeoutMs });
  } catch (error) {
    throw handshake.explain(error);
  }
  const protocolVersion = client.getNegotiatedProtocolVersion();
  const stateless = protocolVersion === STATELESS_REVISION;
  const sessionId = transport.sessionId;
  const baseHeaders: Record<string, string> = {
    ...(options.headers ?? {}),
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    ...(protocolVersion ? { 'mcp-protocol-version': protocolVersion } : {}),
    ...(sessionId && !stateless ? { 'mcp-session-id': sessionId } : {}),
  };
  let closed = false;
  let nextId = 1;
  client.onclose = () => {
    closed = true;
  };

  /** The vault's credential, fresh for each request (none when the server has none). */
  const credential = async (): Promise<InjectedCredential | undefined> => options.credentials?.();
  const post = (message: JsonRpcMessage) =>
    void credential()
      .then((c) => {
        const target = withCredential(url, baseHeaders, c);
        return postJsonRpcMessage(options.egress.dispatcher, target.url, target.headers, message, options.timeoutMs);
      })
      .catch(() => false);
  const METHOD_NOT_FOUND = { error: { code: -32601, message: 'Method not found' } };
  /** Answers a request the upstream made on a response stream: through the caller, or "method not found". */
  const answerServerRequest = (message: JsonRpcMessage, relay: UpstreamRequestOptions['onServerRequest']) => {
    const asked = { method: message.method as string, ...(isObject(message.params) ? { params: message.params } : {}) };
    const answer = relay ? relay(asked).catch(() => METHOD_NOT_FOUND) : Promise.resolve(METHOD_NOT_FOUND);
    void answer.then((a) => post({ jsonrpc: '2.0', id: message.id, ...a }));
  };

  const capabilities = Object.freeze({ ...(client.getServerCapabilities() ?? {}) }) as Readonly<Record<string, unknown>>;
  // 2026-07-28 has no session stream: what a 2025 upstream says there comes on its subscriptions/listen.
  const listening =
    stateless && (options.onToolsChanged || options.onNotification)
      ? listenOnUpstream({
          url,
          headers: baseHeaders,
          dispatcher: options.egress.dispatcher,
          credential,
          capabilities,
          envelope: (params) => withEnvelope(params, {}, undefined),
          onToolsChanged: options.onToolsChanged,
          onNotification: options.onNotification,
        })
      : undefined;

  return {
    protocolVersion,
    capabilities,
    sessionScopedCapabilities: !stateless,
    relaysListChanges: !stateless || (listening !== undefined && Object.keys(listening.filter).length > 0),
    ...(listening?.watchesResources ? { watchResources: (uris: readonly string[]) => listening.watch(uris) } : {}),
    async request(method, params, requestOptions) {
      if (closed) throw new UpstreamExchangeError('session_lost', 'upstream session closed');
      const id = nextId++;
      const untrack = standalone.track(requestOptions.onServerRequest);
      const headers = stateless ? { ...baseHeaders, ...requestOptions.headers, ...routingHeaders(method, params) } : baseHeaders;
      const sent = stateless ? withEnvelope(params, requestOptions.clientCapabilities ?? {}, requestOptions.logLevel) : params;
      const body = JSON.stringify(sent === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params: sent });
      // 2026-07-28: closing the request's stream is the cancellation. 2025: a disconnect is not
      // one, so the upstream is told (notifications/cancelled) that this id's work is unwanted.
      const cancelUpstream = () => post({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'cancelled by the agent' } });
      if (!stateless) requestOptions.signal?.addEventListener('abort', cancelUpstream, { once: true });
      const exchange = (injected: InjectedCredential | undefined) => {
        const target = withCredential(url, headers, injected);
        return exchangeJsonRpc(options.egress.dispatcher, {
          url: target.url,
          headers: target.headers,
          id,
          body,
          timeoutMs: requestOptions.timeoutMs,
          signal: requestOptions.signal,
          sessionful: !stateless,
          onServerRequest: (message) => answerServerRequest(message, requestOptions.onServerRequest),
          onNotification: requestOptions.onNotification,
          onResumed: options.onResumed,
        });
      };
      try {
        const injected = await credential();
        try {
          return await exchange(injected);
        } catch (error) {
          // A 401 is answered before the upstream did anything: one retry with a fresh credential (OAuth) is safe.
          const fresh = error instanceof UpstreamExchangeError && error.failure === 'unauthorized' ? await injected?.refused?.(error.challenge) : undefined;
          if (!fresh) throw error;
          return await exchange(fresh);
        }
      } catch (error) {
        if (error instanceof UpstreamExchangeError && error.failure === 'session_lost') closed = true;
        throw error;
      } finally {
        untrack();
        requestOptions.signal?.removeEventListener('abort', cancelUpstream);
      }
    },
    close: async () => {
      closed = true;
      listening?.close();
      // A 2025 upstream is told the session is over (DELETE), bounded: a hung upstream must not hold up closing.
      if (sessionId && !stateless) await withinMs(transport.terminateSession(), Math.min(options.timeoutMs, TERMINATE_BOUND_MS)).catch(() => undefined);
      await client.close();
    },
  };
}

const TERMINATE_BOUND_MS = 2_000;
const LOG_LEVEL_META_KEY = 'io.modelcontextprotocol/logLevel';

function withinMs(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function routingHeaders(method: string, params: Record<string, unknown> | undefined): Record<string, string> {
  const name = mcpNameOf(method, params)?.value;
  return typeof name === 'string' ? { 'mcp-method': method, 'mcp-name': encodeMcpHeaderValue(name) } : { 'mcp-method': method };
}

/** The 2026-07-28 per-request envelope for warden's own hop; other `_meta` keys ride along. */
function withEnvelope(params: Record<string, unknown> | undefined, clientCapabilities: Record<string, unknown>, logLevel: string | undefined): Record<string, unknown> {
  const meta = (params?._meta as Record<string, unknown> | undefined) ?? {};
  return {
    ...(params ?? {}),
    _meta: {
      ...(logLevel !== undefined ? { [LOG_LEVEL_META_KEY]: logLevel } : {}),
      ...meta,
      'io.modelcontextprotocol/protocolVersion': STATELESS_REVISION,
      'io.modelcontextprotocol/clientInfo': CLIENT_INFO,
      'io.modelcontextprotocol/clientCapabilities': clientCapabilities,
    },
  };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
