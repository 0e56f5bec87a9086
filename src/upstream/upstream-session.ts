import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Agent, fetch as undiciFetch } from 'undici';
import { z } from 'zod';

/**
 * Upstream HTTP goes through npm undici 7 on one keep-alive dispatcher. The SDK transport hands
 * every request the same long-lived AbortSignal, and fetch leaves a listener on it per request
 * until garbage collection: under load thousands piled up (MaxListenersExceededWarning, memory
 * growth). So each request gets its own signal, linked to the transport's only until the response
 * headers arrive (bodies are then read at once: JSON, or the one SSE answer of that request).
 */
const upstreamDispatcher = new Agent({ keepAliveTimeout: 30_000, connections: 64 });

/** One listener per transport signal, fanning out to that transport's requests in flight. */
const inFlight = new WeakMap<AbortSignal, Set<AbortController>>();

function linkedController(outer: AbortSignal | null | undefined): { signal: AbortSignal; release(): void } {
  const own = new AbortController();
  if (!outer) return { signal: own.signal, release: () => undefined };
  if (outer.aborted) {
    own.abort(outer.reason);
    return { signal: own.signal, release: () => undefined };
  }
  let requests = inFlight.get(outer);
  if (!requests) {
    const set = new Set<AbortController>();
    requests = set;
    inFlight.set(outer, set);
    outer.addEventListener('abort', () => set.forEach((c) => c.abort(outer.reason)), { once: true });
  }
  requests.add(own);
  return { signal: own.signal, release: () => requests!.delete(own) };
}

async function upstreamFetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
  const link = linkedController(init.signal);
  try {
    return (await undiciFetch(url, { ...(init as object), signal: link.signal, dispatcher: upstreamDispatcher } as never)) as unknown as Response;
  } finally {
    link.release();
  }
}

/** Any JSON-RPC result, relayed unchanged. */
const AnyResult = z.looseObject({});

export interface UpstreamSession {
  /** The revision negotiated with the upstream (2025-06-18, 2025-11-25, 2026-07-28, …). */
  readonly protocolVersion: string | undefined;
  request(method: string, params: Record<string, unknown> | undefined, options: { timeoutMs: number; signal?: AbortSignal }): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * One connected MCP client to one upstream, speaking the upstream's own revision: the 2.x SDK
 * client probes `server/discover` and falls back to `initialize` for 2025 servers. Concurrent
 * requests share it (JSON-RPC ids multiplex); its HTTP connections are kept alive by fetch.
 */
export async function openUpstreamSession(url: URL, options: { timeoutMs: number; headers?: Record<string, string> }): Promise<UpstreamSession> {
  const client = new Client(
    { name: 'warden-gateway', version: '0.1.0' },
    { versionNegotiation: { mode: 'auto', probe: { timeoutMs: options.timeoutMs } } },
  );
  const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers: options.headers ?? {} }, fetch: upstreamFetch });
  await client.connect(transport, { timeout: options.timeoutMs });
  let closed = false;
  client.onclose = () => {
    closed = true;
  };
  return {
    get protocolVersion() {
      return client.getNegotiatedProtocolVersion();
    },
    async request(method, params, requestOptions) {
      if (closed) throw new UpstreamClosedError();
      const result = await client.request({ method, params } as never, AnyResult, {
        timeout: requestOptions.timeoutMs,
        signal: requestOptions.signal,
      });
      return result as Record<string, unknown>;
    },
    close: () => client.close(),
  };
}

export class UpstreamClosedError extends Error {
  constructor() {
    super('upstream session closed');
    this.name = 'UpstreamClosedError';
  }
}
