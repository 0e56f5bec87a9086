import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { z } from 'zod';

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
  const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers: options.headers ?? {} } });
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
