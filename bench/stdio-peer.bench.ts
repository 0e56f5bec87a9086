import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAgent } from '../test/fixtures/agent-clients';
import { freeLoopbackPort } from '../test/fixtures/loopback-http';
import type { GatewayChildInfo, GatewayStoreStats } from './gateway-child';
import { insideMsBetween, type InsideMs } from './support/gateway-timings';
import type { BenchOptions } from './support/bench-options';
import { BenchChild } from './support/child-rpc';
import { waitForQuietHost } from './support/host-load';
import { concurrent, sequential, warmUntilSteady, warmUp, warmUpNote, type Call, type LoadResult, type SteadyWarmUp } from './support/load';
import { connectRaw } from './support/raw-rpc';
import { environment, target, type BenchReport } from './support/report';
import { round } from './support/stats';
import type { ProfileSummary } from './support/cpu-profile';
import { profileSeries, profileTables } from './support/profile-series';

/**
 * The peer benchmark: one stdio MCP server (test/fixtures/stdio-mcp-server.ts, SDK 1.x) reached
 * three ways in the same run by the same clients — behind warden (a stdio upstream, full
 * governance: auth, gates, ledger records before and after), behind `mcp-proxy` (npm, a bare
 * stdio → Streamable HTTP passthrough, run as its README says: `mcp-proxy --port … <command> [args…]`),
 * and directly (the SDK client spawning the server itself: the floor, no HTTP hop).
 */
export const STDIO_PEER_BENCH = 'stdio-peer';

const ECHO_ARGS = { text: 'benchmark call', n: 42 };
/** The newest revision both mcp-proxy 5.12 (its bundled SDK) and warden speak. */
const REVISION = '2025-06-18';
const REPO = join(__dirname, '..', '..');
const FIXTURE_JS = join(__dirname, '..', 'test', 'fixtures', 'stdio-mcp-server.js');
const MCP_PROXY_JS = join(REPO, 'node_modules', 'mcp-proxy', 'dist', 'bin', 'mcp-proxy.js');

interface BenchClient {
  call: Call;
  close(): Promise<void>;
}
type ClientFactory = () => Promise<BenchClient>;

interface PathFigures {
  sequential: LoadResult;
  concurrent: LoadResult;
  /** warden's rows: its own means over the sequential series (decision durable, the whole call inside it). */
  insideMs?: InsideMs;
}

async function sdkHttpClient(url: string, headers: Record<string, string> = {}): Promise<BenchClient> {
  const agent = await connectAgent(url, { revision: REVISION, headers });
  return { call: () => agent.callTool('echo', ECHO_ARGS), close: () => agent.close() };
}

async function rawHttpClient(url: string, headers: Record<string, string> = {}): Promise<BenchClient> {
  const client = await connectRaw({ url, era: 'legacy', legacyRevision: REVISION, headers });
  return { call: () => client.callTool('echo', ECHO_ARGS), close: () => client.close() };
}

async function directStdioClient(): Promise<BenchClient> {
  const client = new Client({ name: 'warden-bench-direct', version: '0.0.0' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [FIXTURE_JS], stderr: 'ignore' }));
  return { call: () => client.callTool({ name: 'echo', arguments: ECHO_ARGS }), close: () => client.close() };
}

/** mcp-proxy as its README runs it, in its own process; resolves once its endpoint answers initialize. */
async function startMcpProxy(port: number): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [MCP_PROXY_JS, '--port', String(port), '--host', '127.0.0.1', '--server', 'stream', process.execPath, FIXTURE_JS], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
  });
  let output = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output = (output + chunk).slice(-4000)));
  const url = `http://127.0.0.1:${port}/mcp`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(killer);
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mcp-proxy exited (${child.exitCode}):\n${output}`);
    try {
      const probe = await rawHttpClient(url);
      await probe.call();
      await probe.close();
      return { url, child, stop };
    } catch (error) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`mcp-proxy did not answer on ${url} within 30 s (${String(error)}):\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

type Api = (method: string, path: string, body: unknown, expected: number) => Promise<any>;

function adminApi(baseUrl: string, key: string): Api {
  return async (method, path, body, expected) => {
    const headers: Record<string, string> = { authorization: `Bearer ${key}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    if (response.status !== expected) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : undefined;
  };
}

export async function runStdioPeerBench(options: BenchOptions): Promise<BenchReport> {
  const started = performance.now();
  const log = options.log;
  for (const file of [FIXTURE_JS, MCP_PROXY_JS]) if (!existsSync(file)) throw new Error(`${file} is missing (npm install; npm run build)`);
  const scale = options.quick
    ? { warmUp: 100, maxWarmUp: 400, sequential: 200, clients: 4, perClient: 25 }
    : options.long
      ? { warmUp: 3000, maxWarmUp: 12000, sequential: 2000, clients: 8, perClient: 250 }
      : { warmUp: 2000, maxWarmUp: 8000, sequential: 1000, clients: 8, perClient: 100 };
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-bench-stdio-'));
  const gateway = await BenchChild.start<GatewayChildInfo>(join(__dirname, 'gateway-child.js'), {
    env: { ...process.env, WARDEN_DATA_DIR: dataDir, WARDEN_HOST: '127.0.0.1', WARDEN_PORT: String(await freeLoopbackPort()), WARDEN_SQLITE_SYNCHRONOUS: 'NORMAL', WARDEN_LOG_LEVEL: 'warn', WARDEN_HEALTH_INTERVAL_MS: '0' },
    timeoutMs: 60_000,
  });
  const proxy = await startMcpProxy(await freeLoopbackPort());
  const quiet = { remainingMs: 45_000 };
  const figures: Record<string, PathFigures> = {};
  const profiles: ProfileSummary[] = [];
  const warmUps: SteadyWarmUp[] = [];
  try {
    const api = adminApi(gateway.info.url, gateway.info.adminKey);
    const server = await api('POST', '/v1/servers', { name: 'bench stdio', slug: 'stdio', transport: 'stdio', command: process.execPath, args: [FIXTURE_JS] }, 201);
    await api('POST', `/v1/servers/${server.serverId}/tools/echo/approve`, { riskClass: 'read' }, 200);
    const agentKey = (await api('POST', '/v1/agents', { name: 'bench agent' }, 201)).apiKey as string;
    const wardenUrl = `${gateway.info.url}/mcp/stdio`;
    const auth = { authorization: `Bearer ${agentKey}` };
    const paths: Array<[string, ClientFactory]> = [
      ['direct stdio, SDK 1.x client (floor)', directStdioClient],
      ['mcp-proxy, SDK 1.x client', () => sdkHttpClient(proxy.url)],
      ['warden governed, SDK 1.x client', () => sdkHttpClient(wardenUrl, auth)],
      ['mcp-proxy, raw HTTP client', () => rawHttpClient(proxy.url)],
      ['warden governed, raw HTTP client', () => rawHttpClient(wardenUrl, auth)],
    ];
    for (const [label, open] of paths) {
      const clients = await Promise.all(Array.from({ length: scale.clients }, open));
      try {
        const warm = await warmUntilSteady(clients[0].call, { minCalls: scale.warmUp, maxCalls: scale.maxWarmUp, window: Math.min(250, scale.warmUp) });
        await warmUp(clients.map((c) => c.call), scale.clients * 20);
        warmUps.push(warm);
        await waitForQuietHost(quiet, log);
        log(`${STDIO_PEER_BENCH}: ${label}: ${scale.sequential} sequential, ${scale.clients} × ${scale.perClient} concurrent`);
        const governed = label.startsWith('warden');
        const before = governed ? await gateway.call<GatewayStoreStats>('stats') : undefined;
        const seq = await sequential(clients[0].call, scale.sequential);
        const after = governed ? await gateway.call<GatewayStoreStats>('stats') : undefined;
        const conc = await concurrent(clients.map((c) => c.call), scale.perClient);
        figures[label] = { sequential: seq, concurrent: conc, ...(before && after ? { insideMs: insideMsBetween(before.timings, after.timings) } : {}) };
      } finally {
        await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      }
    }
    if (options.profile) {
      // Where warden's CPU goes on the raw client's calls: one client (latency), then all at once (throughput).
      for (const clients of [1, scale.clients]) {
        log(`${STDIO_PEER_BENCH}: profiling warden, raw HTTP client, ${clients} client(s)`);
        const open = () => rawHttpClient(wardenUrl, auth);
        const name = `stdio-warden-raw-${clients === 1 ? 'sequential' : `${clients}-clients`}`;
        profiles.push(await profileSeries(gateway, open, { name, clients, calls: scale.sequential, resultsDir: options.resultsDir }));
      }
    }
  } finally {
    await proxy.stop();
    await gateway.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }

  const peerOf = (label: string) => (label.startsWith('warden') ? label.replace('warden governed', 'mcp-proxy') : undefined);
  const rows = Object.entries(figures).map(([label, f]) => {
    const peer = peerOf(label) ? figures[peerOf(label)!] : undefined;
    return [
      label,
      f.sequential.latencyMs.p50,
      f.sequential.latencyMs.p99,
      f.sequential.callsPerSecond,
      f.concurrent.latencyMs.p50,
      f.concurrent.callsPerSecond,
      peer ? round(f.sequential.latencyMs.p50 / peer.sequential.latencyMs.p50, 2) : '—',
      peer ? round(f.concurrent.callsPerSecond / peer.concurrent.callsPerSecond, 2) : '—',
      f.insideMs ? f.insideMs.decisionCommit : '—',
      peer && f.insideMs ? round(f.sequential.latencyMs.p50 - peer.sequential.latencyMs.p50 - f.insideMs.decisionCommit, 2) : '—',
    ];
  });
  const floor = figures['direct stdio, SDK 1.x client (floor)'].sequential.latencyMs.p50;
  const targets = Object.keys(figures)
    .filter((label) => peerOf(label))
    .map((label) => {
      const governed = figures[label].sequential.latencyMs.p50 - floor;
      const bare = figures[peerOf(label)!].sequential.latencyMs.p50 - floor;
      return target(label, 'adds no more p50 over direct stdio than mcp-proxy does', `+${round(governed, 2)} ms vs +${round(bare, 2)} ms`, governed <= bare);
    });
  return {
    bench: STDIO_PEER_BENCH,
    startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
    seconds: round((performance.now() - started) / 1000, 1),
    environment: environment(),
    parameters: { ...scale, peer: 'mcp-proxy 5.12.0 --server stream (Streamable HTTP, stateful)', warden: 'stdio upstream, SQLite NORMAL, every call decided and recorded', upstream: 'SDK 1.x McpServer on stdio, tools/call echo' },
    figures: { ...figures, profiles },
    tables: [
      {
        title: `tools/call echo on one stdio server: direct, behind mcp-proxy, behind warden (sequential, then ${scale.clients} clients at once)`,
        columns: ['path', 'p50 ms', 'p99 ms', 'calls/s', `p50 ms ×${scale.clients}`, `calls/s ×${scale.clients}`, 'p50 / mcp-proxy', 'calls/s ×n / mcp-proxy', 'decision durable ms (in warden)', 'p50 beyond mcp-proxy, less that ms'],
        rows,
      },
      ...profileTables(profiles),
    ],
    targets,
    notes: [
      'mcp-proxy 6.x depends on pipenet, which requires Node ≥ 22 (the project installs engine-strict on Node 20): 5.12.0, with no runtime dependencies, is the peer here',
      'the direct row spawns the server from the client (no HTTP hop): it is what both proxies add to',
      warmUpNote(warmUps),
      'decision durable: warden\'s own mean, over the sequential series, from the gate\'s verdict to its ToolCallDecided committed (sealed, signed, with its payload), which DESIGN §5 requires before anything reaches the upstream; the last column is what is left of warden\'s p50 gap to mcp-proxy without it',
    ],
  };
}
