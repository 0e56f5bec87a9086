import { Client } from 'undici';

/**
 * A minimal MCP-over-HTTP client with no SDK: one keep-alive connection (undici Client, no
 * pipelining), a JSON-RPC POST per call, the body read to the end. It measures what the HTTP hop
 * and the server cost without any client-side SDK work.
 */
export interface RawRpcTarget {
  url: string;
  /** Headers sent with every request (authorization, session, protocol version…). */
  headers?: Record<string, string>;
  /**
   * `legacy`: open a 2025-11-25 session first (initialize + notifications/initialized) and send
   * Mcp-Session-Id; `modern`: 2026-07-28 stateless (_meta envelope and routing headers);
   * `plain`: a bare JSON-RPC request.
   */
  era: 'legacy' | 'modern' | 'plain';
  /** `legacy`: the revision to open the session with (default 2025-11-25). */
  legacyRevision?: string;
}

export interface RawRpcClient {
  callTool(name: string, args: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

const ACCEPT = 'application/json, text/event-stream';
const MODERN = '2026-07-28';
const LEGACY = '2025-11-25';

export async function connectRaw(target: RawRpcTarget): Promise<RawRpcClient> {
  const url = new URL(target.url);
  const client = new Client(url.origin, { pipelining: 1, keepAliveTimeout: 60_000 });
  const base: Record<string, string> = { 'content-type': 'application/json', accept: ACCEPT, ...target.headers };
  let id = 0;

  const post = async (headers: Record<string, string>, body: unknown): Promise<{ status: number; text: string; headers: Record<string, unknown> }> => {
    const response = await client.request({ path: url.pathname, method: 'POST', headers: { ...base, ...headers }, body: JSON.stringify(body) });
    const text = await response.body.text();
    return { status: response.statusCode, text, headers: response.headers as Record<string, unknown> };
  };

  if (target.era === 'legacy') {
    const init = await post({}, {
      jsonrpc: '2.0',
      id: id++,
      method: 'initialize',
      params: { protocolVersion: target.legacyRevision ?? LEGACY, capabilities: {}, clientInfo: { name: 'warden-bench-raw', version: '0.0.0' } },
    });
    const session = init.headers['mcp-session-id'];
    if (init.status !== 200 || typeof session !== 'string') throw new Error(`raw initialize failed: ${init.status} ${init.text.slice(0, 300)}`);
    base['mcp-session-id'] = session;
    base['mcp-protocol-version'] = target.legacyRevision ?? LEGACY;
    await post({}, { jsonrpc: '2.0', method: 'notifications/initialized' });
  }

  return {
    async callTool(name, args) {
      const requestId = id++;
      let response;
      if (target.era === 'modern') {
        response = await post(
          { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': name },
          {
            jsonrpc: '2.0',
            id: requestId,
            method: 'tools/call',
            params: {
              name,
              arguments: args,
              _meta: {
                'io.modelcontextprotocol/protocolVersion': MODERN,
                'io.modelcontextprotocol/clientInfo': { name: 'warden-bench-raw', version: '0.0.0' },
                'io.modelcontextprotocol/clientCapabilities': {},
              },
            },
          },
        );
      } else {
        response = await post({}, { jsonrpc: '2.0', id: requestId, method: 'tools/call', params: { name, arguments: args } });
      }
      // JSON or a one-event SSE stream: either way the result must be there and not an error.
      if (response.status !== 200 || !response.text.includes('"result"')) {
        throw new Error(`raw tools/call ${name} failed: ${response.status} ${response.text.slice(0, 300)}`);
      }
    },
    close: () => client.close(),
  };
}
