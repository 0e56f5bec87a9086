import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FixtureMcpServer } from '../test/fixtures/fixture-mcp-server';
import { startLegacyMcpServer } from '../test/fixtures/legacy-mcp-server';
import { startModernMcpServer } from '../test/fixtures/modern-mcp-server';
import { serveParent } from './support/child-rpc';
import { probeHandlers } from './support/child-probes';

/**
 * An upstream MCP server from test/fixtures in its own process (argv[2]: `legacy` = SDK 1.x
 * stateful Streamable HTTP; `modern` = SDK 2.x createMcpHandler, 2026-07-28 only), plus a plain
 * node:http JSON-RPC responder: the floor of one loopback HTTP hop, no MCP at all.
 */
export type UpstreamKind = 'legacy' | 'modern';

export interface UpstreamChildInfo {
  kind: UpstreamKind;
  url: string;
  floorUrl: string;
  pid: number;
}

/** Answers any POSTed JSON-RPC request with a fixed tools/call-shaped result, keep-alive. */
async function startFloorServer(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let id: unknown = null;
      try {
        id = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: unknown }).id ?? null;
      } catch {
        // a floor server: a bad body still gets an answer
      }
      const body = JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: '{"n":1}' }] } });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/rpc`, server };
}

serveParent(async () => {
  const kind = process.argv[2] as UpstreamKind;
  let upstream: FixtureMcpServer;
  if (kind === 'legacy') upstream = await startLegacyMcpServer();
  else if (kind === 'modern') upstream = await startModernMcpServer({ legacy: 'reject' });
  else throw new Error(`upstream kind must be legacy or modern, got ${String(kind)}`);
  const floor = await startFloorServer();
  const info: UpstreamChildInfo = { kind, url: upstream.url, floorUrl: floor.url, pid: process.pid };
  const probes = probeHandlers();
  return {
    info,
    handlers: {
      ...probes,
      // The fixture records every request it receives; drop them at each phase boundary.
      cpu: (arg) => {
        upstream.requests.clear();
        return probes.cpu(arg);
      },
      stop: async () => {
        floor.server.closeAllConnections();
        floor.server.close();
        await upstream.close().catch(() => undefined);
        setImmediate(() => process.exit(0));
        return null;
      },
    },
  };
});
