import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from '../test/fixtures/loopback-http';
import type { GatewayChildInfo } from './gateway-child';
import type { UpstreamChildInfo } from './upstream-child';
import type { BenchOptions } from './support/bench-options';
import { BenchChild } from './support/child-rpc';
import { cpuMsBetween, type CpuSample } from './support/child-probes';
import { waitForQuietHost } from './support/host-load';
import { concurrent, warmUp, type Call, type LoadResult } from './support/load';
import { connectRaw, type RawRpcClient } from './support/raw-rpc';
import { environment, target, type BenchReport } from './support/report';
import { round, summarise } from './support/stats';

/**
 * What signed checkpoints cost the hot path: governed `tools/call` p50 over the same call straight
 * to the upstream (Δp50), with checkpoints off (a count never reached, no timer), at the default
 * (every 1,000 events or 10 s), every 100 events and every 10 events. Four gateway children run
 * side by side from the start and are measured in interleaved rounds (the order rotated each
 * round), so host noise falls on all of them alike; the direct baseline is measured in every round too.
 */
export const CHECKPOINTS_BENCH = 'checkpoints';
const ECHO_ARGS = { text: 'benchmark call', n: 42 };

const MODES: Array<{ name: string; env: Record<string, string> }> = [
  { name: 'off', env: { WARDEN_CHECKPOINT_EVERY_EVENTS: '1000000000', WARDEN_CHECKPOINT_EVERY_MS: '0' } },
  { name: 'default (1,000 events / 10 s)', env: { WARDEN_CHECKPOINT_EVERY_EVENTS: '1000', WARDEN_CHECKPOINT_EVERY_MS: '10000' } },
  { name: 'every 100 events', env: { WARDEN_CHECKPOINT_EVERY_EVENTS: '100', WARDEN_CHECKPOINT_EVERY_MS: '10000' } },
  { name: 'every 10 events', env: { WARDEN_CHECKPOINT_EVERY_EVENTS: '10', WARDEN_CHECKPOINT_EVERY_MS: '10000' } },
];

interface Target {
  name: string;
  /** The MCP endpoint and the agent's headers (none for the direct baseline). */
  endpoint: { url: string; headers?: Record<string, string> };
  client: RawRpcClient;
  gateway?: BenchChild<GatewayChildInfo>;
  dataDir?: string;
  samples: number[];
  cpuMs: number;
  concurrent?: LoadResult;
  checkpoints?: number;
}

async function api(baseUrl: string, key: string, method: string, path: string, body: unknown, expected: number): Promise<any> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  if (response.status !== expected) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

/** `count` sequential calls, their latencies appended to `into`. */
async function timed(call: Call, count: number, into: number[]): Promise<void> {
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await call();
    into.push(performance.now() - t0);
  }
}

function checkpointsSigned(dataDir: string): number {
  const db = new Database(join(dataDir, 'ledger.db'), { readonly: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM events WHERE type = 'CheckpointSigned'").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

export async function runCheckpointsBench(options: BenchOptions): Promise<BenchReport> {
  const started = performance.now();
  const log = options.log;
  const rounds = options.quick ? 2 : options.long ? 6 : 4;
  const perRound = options.quick ? 150 : 500;
  const perClient = options.quick ? 20 : 60;
  const upstream = await BenchChild.start<UpstreamChildInfo>(join(__dirname, 'upstream-child.js'), { args: ['modern'] });
  const targets: Target[] = [];
  const quiet = { remainingMs: 30_000 };
  try {
    const direct = { url: upstream.info.url };
    targets.push({ name: 'direct (no gateway)', endpoint: direct, client: await connectRaw({ ...direct, era: 'modern' }), samples: [], cpuMs: 0 });
    for (const mode of MODES) {
      const dataDir = mkdtempSync(join(tmpdir(), 'warden-bench-checkpoints-'));
      const gateway = await BenchChild.start<GatewayChildInfo>(join(__dirname, 'gateway-child.js'), {
        env: { ...process.env, ...mode.env, WARDEN_DATA_DIR: dataDir, WARDEN_HOST: '127.0.0.1', WARDEN_PORT: String(await freeLoopbackPort()), WARDEN_SQLITE_SYNCHRONOUS: 'NORMAL', WARDEN_LOG_LEVEL: 'warn' },
        timeoutMs: 60_000,
      });
      const { url, adminKey } = gateway.info;
      const server = await api(url, adminKey, 'POST', '/v1/servers', { name: 'bench modern', slug: 'modern', url: upstream.info.url }, 201);
      await api(url, adminKey, 'POST', `/v1/servers/${server.serverId}/tools/echo/approve`, { riskClass: 'read' }, 200);
      const agent = await api(url, adminKey, 'POST', '/v1/agents', { name: 'bench agent' }, 201);
      const endpoint = { url: `${url}/mcp/modern`, headers: { authorization: `Bearer ${agent.apiKey}` } };
      targets.push({ name: mode.name, endpoint, client: await connectRaw({ ...endpoint, era: 'modern' }), gateway, dataDir, samples: [], cpuMs: 0 });
    }
    for (const t of targets) await warmUp([() => t.client.callTool('echo', ECHO_ARGS)], 200);
    for (let r = 0; r < rounds; r++) {
      await waitForQuietHost(quiet, log);
      log(`${CHECKPOINTS_BENCH}: round ${r + 1}/${rounds}, ${perRound} sequential calls per target`);
      for (let i = 0; i < targets.length; i++) {
        const t = targets[(i + r) % targets.length];
        const before = await t.gateway?.call<CpuSample>('cpu');
        await timed(() => t.client.callTool('echo', ECHO_ARGS), perRound, t.samples);
        const after = await t.gateway?.call<CpuSample>('cpu');
        if (before && after) t.cpuMs += cpuMsBetween(before, after).totalMs;
      }
    }
    for (const t of targets) {
      const clients = await Promise.all(Array.from({ length: 16 }, () => connectRaw({ ...t.endpoint, era: 'modern' })));
      try {
        await waitForQuietHost(quiet, log);
        log(`${CHECKPOINTS_BENCH}: ${t.name}, 16 clients × ${perClient} calls`);
        t.concurrent = await concurrent(clients.map((c) => () => c.callTool('echo', ECHO_ARGS)), perClient);
      } finally {
        await Promise.all(clients.map((c) => c.close()));
      }
    }
  } finally {
    for (const t of targets) await t.client.close().catch(() => undefined);
    for (const t of targets) await t.gateway?.stop();
    await upstream.stop();
  }
  for (const t of targets) {
    if (!t.dataDir) continue;
    t.checkpoints = checkpointsSigned(t.dataDir);
    rmSync(t.dataDir, { recursive: true, force: true });
  }
  const directP50 = summarise(targets[0].samples).p50;
  const directRate = targets[0].concurrent!.callsPerSecond;
  const offRow = targets[1];
  const offDelta = summarise(offRow.samples).p50 - directP50;
  const rows = targets.map((t) => {
    const s = summarise(t.samples);
    const delta = round(s.p50 - directP50);
    return [
      t.name,
      s.p50,
      s.p99,
      t.gateway ? delta : '—',
      t.gateway && t !== offRow ? round(delta - offDelta) : '—',
      t.gateway ? round(t.cpuMs / t.samples.length, 4) : '—',
      t.gateway ? round(t.cpuMs / t.samples.length / (offRow.cpuMs / offRow.samples.length), 3) : '—',
      t.concurrent!.callsPerSecond,
      round(t.concurrent!.callsPerSecond / directRate, 2),
      t.checkpoints ?? '—',
    ];
  });
  const every10 = targets[4];
  const extra10 = summarise(every10.samples).p50 - directP50 - offDelta;
  const every100 = targets[3];
  const extra100 = summarise(every100.samples).p50 - directP50 - offDelta;
  return {
    bench: CHECKPOINTS_BENCH,
    startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
    seconds: round((performance.now() - started) / 1000, 1),
    environment: environment(),
    parameters: { rounds, sequentialPerRound: perRound, concurrentClients: 16, perClient, path: 'raw HTTP 2026-07-28 → gateway (NORMAL) → SDK 2.x upstream', modes: MODES },
    figures: Object.fromEntries(targets.map((t) => [t.name, { sequential: summarise(t.samples), gatewayCpuMsPerCall: t.gateway ? t.cpuMs / t.samples.length : null, concurrent: t.concurrent, checkpointsSigned: t.checkpoints ?? null }])),
    tables: [
      {
        title: `governed tools/call echo by checkpoint interval (${rounds} interleaved rounds × ${perRound} sequential calls each; then 16 clients)`,
        columns: ['target', 'p50 ms', 'p99 ms', 'Δp50 vs direct', 'Δp50 vs off', 'gateway CPU ms/call', 'CPU × off', 'calls/s (16 clients)', '× direct', 'checkpoints signed'],
        rows,
      },
    ],
    targets: [
      target('every 100 events', 'adds ≤ 0.1 ms p50 over checkpoints off', `${extra100 >= 0 ? '+' : ''}${round(extra100)} ms`, extra100 <= 0.1),
      target('every 10 events', 'adds ≤ 0.25 ms p50 over checkpoints off', `${extra10 >= 0 ? '+' : ''}${round(extra10)} ms`, extra10 <= 0.25),
    ],
    notes: [
      'each call appends ToolCallDecided and ToolCallCompleted (2 leaves); the anchor verifies and appends every event whatever the interval; a checkpoint adds one note signature, one CheckpointSigned event and its commit',
      'the four gateways run at once; each measures its own CPU; rounds rotate the order so no mode always runs first',
    ],
  };
}
