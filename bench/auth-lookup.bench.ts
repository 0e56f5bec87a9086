import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from '../test/fixtures/loopback-http';
import type { GatewayChildInfo } from './gateway-child';
import type { UpstreamChildInfo } from './upstream-child';
import type { BenchOptions } from './support/bench-options';
import { BenchChild } from './support/child-rpc';
import { waitForQuietHost } from './support/host-load';
import { sequential, warmUp, type LoadResult } from './support/load';
import { connectRaw } from './support/raw-rpc';
import { environment, target, type BenchReport } from './support/report';
import { round } from './support/stats';

/**
 * Authentication stays a map lookup (People, roles and tenants): the governed `tools/call` p50
 * with the agent key and with a capability token, on a gateway with one agent, then on the same
 * gateway once 10,000 more agents and 1,000 revoked capability tokens are loaded (same run).
 */
export const AUTH_BENCH = 'auth-lookup';
const ECHO_ARGS = { text: 'benchmark call', n: 42 };

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

/** `count` requests, `width` at a time. */
async function inParallel(count: number, width: number, one: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < count) await one(next++);
  }));
}

export async function runAuthBench(options: BenchOptions): Promise<BenchReport> {
  const started = performance.now();
  const log = options.log;
  const calls = options.quick ? 200 : options.long ? 2000 : 1000;
  const agentsLoaded = options.quick ? 1000 : 10_000;
  const tokensRevoked = options.quick ? 100 : 1000;
  const upstream = await BenchChild.start<UpstreamChildInfo>(join(__dirname, 'upstream-child.js'), { args: ['modern'] });
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-bench-auth-'));
  const gateway = await BenchChild.start<GatewayChildInfo>(join(__dirname, 'gateway-child.js'), {
    env: { ...process.env, WARDEN_DATA_DIR: dataDir, WARDEN_HOST: '127.0.0.1', WARDEN_PORT: String(await freeLoopbackPort()), WARDEN_SQLITE_SYNCHRONOUS: 'NORMAL', WARDEN_LOG_LEVEL: 'warn' },
    timeoutMs: 60_000,
  });
  const quiet = { remainingMs: 30_000 };
  const figures: Record<string, Record<string, LoadResult>> = { empty: {}, loaded: {} };
  try {
    const api = adminApi(gateway.info.url, gateway.info.adminKey);
    const server = await api('POST', '/v1/servers', { name: 'bench modern', slug: 'modern', url: upstream.info.url }, 201);
    await api('POST', `/v1/servers/${server.serverId}/tools/echo/approve`, { riskClass: 'read' }, 200);
    const agent = await api('POST', '/v1/agents', { name: 'bench agent' }, 201);
    const credentials = {
      'agent key': agent.apiKey as string,
      'capability token': (await api('POST', '/v1/tokens', { agentId: agent.agent.agentId, serverId: server.serverId, tools: ['echo'], ttlSeconds: 3600 }, 201)).token as string,
    };
    const measure = async (phase: 'empty' | 'loaded') => {
      for (const [name, credential] of Object.entries(credentials)) {
        const client = await connectRaw({ url: `${gateway.info.url}/mcp/modern`, era: 'modern', headers: { authorization: `Bearer ${credential}` } });
        try {
          const call = () => client.callTool('echo', ECHO_ARGS);
          await warmUp([call], Math.ceil(calls / 2));
          await waitForQuietHost(quiet, log);
          log(`${AUTH_BENCH}: ${phase}, ${name}, ${calls} sequential calls`);
          figures[phase][name] = await sequential(call, calls);
        } finally {
          await client.close();
        }
      }
    };
    await measure('empty');
    log(`${AUTH_BENCH}: loading ${agentsLoaded} agents and ${tokensRevoked} revoked tokens`);
    await inParallel(agentsLoaded, 16, (i) => api('POST', '/v1/agents', { name: `load-${i}` }, 201));
    await inParallel(tokensRevoked, 16, async () => {
      const minted = await api('POST', '/v1/tokens', { agentId: agent.agent.agentId, serverId: server.serverId, tools: ['echo'] }, 201);
      await api('POST', `/v1/tokens/${minted.jti}/revoke`, undefined, 200);
    });
    await measure('loaded');
  } finally {
    await gateway.stop();
    await upstream.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const rows = Object.keys(figures.empty).map((name) => {
    const empty = figures.empty[name].latencyMs.p50;
    const loaded = figures.loaded[name].latencyMs.p50;
    return [name, empty, loaded, round(loaded - empty), figures.empty[name].latencyMs.p99, figures.loaded[name].latencyMs.p99];
  });
  return {
    bench: AUTH_BENCH,
    startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
    seconds: round((performance.now() - started) / 1000, 1),
    environment: environment(),
    parameters: { calls, agentsLoaded, tokensRevoked, path: 'raw HTTP 2026-07-28 → gateway (NORMAL) → SDK 2.x upstream' },
    figures,
    tables: [
      {
        title: `governed tools/call echo, sequential: 1 agent vs ${agentsLoaded.toLocaleString('en')} agents + ${tokensRevoked.toLocaleString('en')} revoked tokens loaded (same gateway)`,
        columns: ['credential', 'p50 ms (1 agent)', 'p50 ms (loaded)', 'Δp50 ms', 'p99 ms (1 agent)', 'p99 ms (loaded)'],
        rows,
      },
    ],
    targets: rows.map((r) => target(String(r[0]), 'loaded adds ≤ 0.25 ms p50 (noise on a shared 2-core host)', `${Number(r[3]) >= 0 ? '+' : ''}${r[3]} ms`, Number(r[3]) <= 0.25)),
    notes: ['agent keys are found by their SHA-256 in one Map; tokens by jti in one Map after the EdDSA signature check, which does not depend on how many are loaded'],
  };
}
