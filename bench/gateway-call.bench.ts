import { freeLoopbackPort } from '../test/fixtures/loopback-http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAgent, type AgentRevision } from '../test/fixtures/agent-clients';
import type { GatewayChildInfo, GatewayStoreStats } from './gateway-child';
import type { GroupCommitStats } from '@warden/event-store';
import type { UpstreamChildInfo, UpstreamKind } from './upstream-child';
import { BenchChild } from './support/child-rpc';
import { cpuMsBetween, cpuSample, type CpuSample } from './support/child-probes';
import type { ProfileSummary } from './support/cpu-profile';
import { profileSeries, profileTables } from './support/profile-series';
import { concurrent, sequential, warmUntilSteady, warmUp, type Call, type LoadResult, type SteadyWarmUp, warmUpNote } from './support/load';
import { connectRaw, type RawRpcTarget } from './support/raw-rpc';
import { hostTicks, otherCores, waitForQuietHost } from './support/host-load';
import { environment, target, type BenchReport, type Table, type TargetCheck } from './support/report';
import { round } from './support/stats';
import { insideMsBetween, type InsideMs } from './support/gateway-timings';
import { largeResultsTable, measureLargeResults, type LargeResultFigures } from './support/large-results';
import type { BenchOptions } from './support/bench-options';

/**
 * (a) A governed `tools/call` through the gateway versus the same call made directly to the same
 * upstream, by the same kind of client, measured in the same run. Three processes share the two
 * cores, as they would on one small host: the load generator (this process), the gateway (a
 * child: its CPU time is its own) and the upstream fixture server (a child).
 */
export const GATEWAY_BENCH = 'gateway-call';

const ECHO_ARGS = { text: 'benchmark call', n: 42 };
const SYNC_MODES = ['FULL', 'NORMAL'] as const;
type SyncMode = (typeof SYNC_MODES)[number];

interface Scale {
  /** Sequential warm-up of each path: at least warmUp calls, then until its p50 settles, at most maxWarmUp. */
  warmUp: number;
  maxWarmUp: number;
  sequential: number;
  clients: number;
  perClient: number;
}

interface BenchClient {
  call: Call;
  close(): Promise<void>;
}
type ClientFactory = () => Promise<BenchClient>;

/** A series with the CPU each process spent on it, per call. */
interface PhaseFigures extends LoadResult {
  cpuMsPerCall: { gateway: number | null; upstream: number; loadGenerator: number };
  /** Cores other processes of the host kept busy during the series (shared machine): high = noisy figures. */
  otherCoresBusy: number | null;
  /** SQLite transactions (group commits) per call: events and payloads commit together; and the WAL syncs warden made per call (FULL). */
  transactionsPerCall: string | null;
  /** Means over the series from the gateway's own histograms (ms): decision durable, upstream answer, the whole call inside the gateway. */
  insideMs: InsideMs | null;
  /** The sequential warm-up before this series (sequential series only). */
  warmUp?: SteadyWarmUp;
}

interface PathFigures {
  sequential: PhaseFigures;
  concurrent: PhaseFigures;
}

interface PathSpec {
  id: string;
  label: string;
  upstream: UpstreamKind;
  direct?: (u: Upstreams) => ClientFactory;
  governed?: (gw: GatewaySetup) => ClientFactory;
  /** Paths without a direct twin (bridged revisions) compare against this path's direct figures. */
  baselineOf?: string;
  /** The issue's targets apply to this path. */
  targets: boolean;
  scale: 'full' | 'reduced';
  /** Measured under FULL only. */
  fullOnly?: boolean;
}

interface Upstreams {
  legacy: BenchChild<UpstreamChildInfo>;
  modern: BenchChild<UpstreamChildInfo>;
}

interface GatewaySetup {
  child: BenchChild<GatewayChildInfo>;
  url: string;
  agentKey: string;
  dataDir: string;
}

const sdkClient = (url: string, revision: AgentRevision, headers?: Record<string, string>): ClientFactory => async () => {
  const agent = await connectAgent(url, { revision, headers, clientInfo: { name: 'warden-bench', version: '0.0.0' } });
  return {
    call: async () => {
      const result = await agent.callTool('echo', ECHO_ARGS);
      if (result.isError) throw new Error(`echo answered isError: ${JSON.stringify(result).slice(0, 300)}`);
    },
    close: () => agent.close(),
  };
};

const rawClient = (url: string, era: RawRpcTarget['era'], headers?: Record<string, string>): ClientFactory => async () => {
  const client = await connectRaw({ url, era, headers });
  return { call: () => client.callTool('echo', ECHO_ARGS), close: () => client.close() };
};

const bearer = (gw: GatewaySetup) => ({ authorization: `Bearer ${gw.agentKey}` });

const PATHS: PathSpec[] = [
  {
    id: 'sdk1-2025',
    label: 'SDK 1.x agent 2025-11-25 → SDK 1.x upstream (stateful)',
    upstream: 'legacy',
    direct: (u) => sdkClient(u.legacy.info.url, '2025-11-25'),
    governed: (gw) => sdkClient(`${gw.url}/mcp/legacy`, '2025-11-25', bearer(gw)),
    targets: true,
    scale: 'full',
  },
  {
    id: 'sdk2-2026',
    label: 'SDK 2.x agent 2026-07-28 → SDK 2.x upstream (stateless)',
    upstream: 'modern',
    direct: (u) => sdkClient(u.modern.info.url, '2026-07-28'),
    governed: (gw) => sdkClient(`${gw.url}/mcp/modern`, '2026-07-28', bearer(gw)),
    targets: true,
    scale: 'full',
  },
  {
    id: 'raw-2025',
    label: 'raw HTTP client, 2025-11-25 session → SDK 1.x upstream',
    upstream: 'legacy',
    direct: (u) => rawClient(u.legacy.info.url, 'legacy'),
    governed: (gw) => rawClient(`${gw.url}/mcp/legacy`, 'legacy', bearer(gw)),
    targets: false,
    scale: 'reduced',
  },
  {
    id: 'raw-2026',
    label: 'raw HTTP client, 2026-07-28 → SDK 2.x upstream',
    upstream: 'modern',
    direct: (u) => rawClient(u.modern.info.url, 'modern'),
    governed: (gw) => rawClient(`${gw.url}/mcp/modern`, 'modern', bearer(gw)),
    targets: false,
    scale: 'reduced',
  },
  {
    id: 'floor',
    label: 'raw HTTP client → plain node:http JSON-RPC responder (loopback floor)',
    upstream: 'legacy',
    direct: (u) => rawClient(u.legacy.info.floorUrl, 'plain'),
    targets: false,
    scale: 'reduced',
  },
  {
    id: 'bridge-2026-to-1x',
    label: 'SDK 2.x agent 2026-07-28 → gateway → SDK 1.x upstream (bridged)',
    upstream: 'legacy',
    governed: (gw) => sdkClient(`${gw.url}/mcp/legacy`, '2026-07-28', bearer(gw)),
    baselineOf: 'sdk1-2025',
    targets: false,
    scale: 'reduced',
    fullOnly: true,
  },
  {
    id: 'bridge-2025-to-2x',
    label: 'SDK 1.x agent 2025-11-25 → gateway → SDK 2.x upstream (bridged)',
    upstream: 'modern',
    governed: (gw) => sdkClient(`${gw.url}/mcp/modern`, '2025-11-25', bearer(gw)),
    baselineOf: 'sdk2-2026',
    targets: false,
    scale: 'reduced',
    fullOnly: true,
  },
];

export async function runGatewayBench(options: BenchOptions): Promise<BenchReport> {
  const started = performance.now();
  const scales = scalesFor(options);
  const log = options.log;

  const upstreamFile = join(__dirname, 'upstream-child.js');
  const upstreams: Upstreams = {
    legacy: await BenchChild.start<UpstreamChildInfo>(upstreamFile, { args: ['legacy'] }),
    modern: await BenchChild.start<UpstreamChildInfo>(upstreamFile, { args: ['modern'] }),
  };
  const direct = new Map<string, PathFigures>();
  const governed = new Map<string, Map<SyncMode, PathFigures>>();
  const profiles: ProfileSummary[] = [];
  const gatewayWarnings: Record<string, Record<string, number>> = {};
  const quiet: Quiet = { budget: { remainingMs: 45_000 }, log };
  let largeResults: LargeResultFigures[] = [];
  try {
    for (const mode of SYNC_MODES) {
      const gw = await startConfiguredGateway(mode, upstreams);
      try {
        log(`gateway-call: gateway (synchronous=${mode}) started; warming it up`);
        await warmGateway(gw, options.quick ? 40 : 300);
        for (const path of PATHS) {
          if (path.fullOnly && mode !== 'FULL') continue;
          const scale = scales[path.scale];
          const upstream = upstreams[path.upstream];
          if (path.direct && !direct.has(path.id)) {
            log(`gateway-call: ${path.id} direct`);
            direct.set(path.id, await measurePath(path.direct(upstreams), scale, upstream, null, quiet));
          }
          if (path.governed) {
            log(`gateway-call: ${path.id} governed, synchronous=${mode}`);
            const figures = await measurePath(path.governed(gw), scale, upstream, gw.child, quiet);
            if (!governed.has(path.id)) governed.set(path.id, new Map());
            governed.get(path.id)!.set(mode, figures);
          }
        }
        if (mode === 'FULL') {
          await waitForQuietHost(quiet.budget, log);
          largeResults = await measureLargeResults(upstreams.legacy.info.url, `${gw.url}/mcp/legacy`, bearer(gw), options.quick, log);
        }
        if (options.profile) {
          // FULL, 16 clients: where the time goes under load (fsync blocking the event loop shows as SQLite time).
          // NORMAL: the CPU cost of a call without fsync waits, one client and 16.
          const loaded = PATHS.filter((p) => p.targets).map((p) => ({ path: p, clients: scales.full.clients }));
          const runs = mode === 'FULL' ? loaded : [{ path: PATHS[0], clients: 1 }, ...loaded];
          for (const { path, clients } of runs) {
            log(`gateway-call: profiling the gateway under ${path.id}, ${clients} client(s), synchronous=${mode}`);
            profiles.push(
              await profileSeries(gw.child, path.governed!(gw), {
                name: `gateway-${path.id}-${mode}-${clients === 1 ? 'sequential' : `${clients}-clients`}`,
                clients,
                calls: clients === 1 ? Math.ceil(scales.full.sequential / 3) : Math.ceil((scales.full.perClient / 2) * clients),
                resultsDir: options.resultsDir,
              }),
            );
          }
        }
        gatewayWarnings[mode] = (await gw.child.call<CpuSample>('cpu')).warnings;
      } finally {
        await gw.child.stop();
        rmSync(gw.dataDir, { recursive: true, force: true });
      }
    }
  } finally {
    await Promise.all([upstreams.legacy.stop(), upstreams.modern.stop()]);
  }

  const { tables, targets, comparisons } = present(direct, governed);
  if (largeResults.length > 0) tables.push(largeResultsTable(largeResults));
  tables.push(...profileTables(profiles));
  return {
    bench: GATEWAY_BENCH,
    startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
    seconds: round((performance.now() - started) / 1000, 1),
    environment: environment(),
    parameters: { scales, echoArguments: ECHO_ARGS, syncModes: SYNC_MODES, paths: PATHS.map(({ id, label, upstream, baselineOf }) => ({ id, label, upstream, baselineOf })) },
    figures: {
      direct: Object.fromEntries(direct),
      governed: Object.fromEntries([...governed].map(([id, byMode]) => [id, Object.fromEntries(byMode)])),
      comparisons,
      largeResults,
      profiles,
      gatewayWarnings,
    },
    tables,
    targets,
    notes: [
      'load generator, gateway and upstream are three processes on the same cores; CPU ms/call is process.cpuUsage() over the series divided by its calls',
      'latency targets are checked on the sequential series, the throughput target on 16 concurrent clients',
      'other procs (cores): CPU used by other processes of this shared host during the series; rows where it is high are noisy',
      `waits for a quiet host (beyond the 0.4 s check before each series): ${Math.round((45_000 - quiet.budget.remainingMs) / 1000)} s of a 45 s budget`,
      'bridged paths have no direct twin: they compare against the direct figures of the upstream\'s own revision',
      warmUpNote([...direct.values(), ...[...governed.values()].flatMap((byMode) => [...byMode.values()])].map((f) => f.sequential.warmUp)),
      ...Object.entries(gatewayWarnings)
        .filter(([, counts]) => Object.keys(counts).length > 0)
        .map(([mode, counts]) => `gateway (${mode}) emitted process warnings, counted not printed: ${JSON.stringify(counts)}`),
    ],
  };
}

/**
 * Default: 1,000 sequential + 16 × 100 per SDK path (the gateway's own speed bounds the run), each
 * after a warm-up of 2,000–8,000 calls (until the p50 settles); --long: 2,000 + 16 × 250.
 */
function scalesFor(options: BenchOptions): Record<PathSpec['scale'], Scale> {
  if (options.quick) {
    return { full: { warmUp: 50, maxWarmUp: 200, sequential: 200, clients: 16, perClient: 20 }, reduced: { warmUp: 30, maxWarmUp: 100, sequential: 100, clients: 16, perClient: 10 } };
  }
  if (options.long) {
    return { full: { warmUp: 3000, maxWarmUp: 12000, sequential: 2000, clients: 16, perClient: 250 }, reduced: { warmUp: 1500, maxWarmUp: 6000, sequential: 1000, clients: 16, perClient: 100 } };
  }
  return { full: { warmUp: 2000, maxWarmUp: 8000, sequential: 1000, clients: 16, perClient: 100 }, reduced: { warmUp: 1000, maxWarmUp: 4000, sequential: 500, clients: 16, perClient: 50 } };
}

async function startConfiguredGateway(mode: SyncMode, upstreams: Upstreams): Promise<GatewaySetup> {
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-bench-gw-'));
  const port = await freeLoopbackPort();
  const child = await BenchChild.start<GatewayChildInfo>(join(__dirname, 'gateway-child.js'), {
    env: {
      ...process.env,
      WARDEN_DATA_DIR: dataDir,
      WARDEN_HOST: '127.0.0.1',
      WARDEN_PORT: String(port),
      WARDEN_SQLITE_SYNCHRONOUS: mode,
      WARDEN_LOG_LEVEL: 'warn',
    },
    timeoutMs: 60_000,
  });
  try {
    const api = adminApi(child.info.url, child.info.adminKey);
    for (const kind of ['legacy', 'modern'] as const) {
      const server = await api('POST', '/v1/servers', { name: `bench ${kind}`, slug: kind, url: upstreams[kind].info.url }, 201);
      await api('POST', `/v1/servers/${server.serverId}/tools/echo/approve`, { riskClass: 'read' }, 200);
    }
    const agent = await api('POST', '/v1/agents', { name: 'bench agent' }, 201);
    return { child, url: child.info.url, agentKey: agent.apiKey, dataDir };
  } catch (error) {
    await child.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

function adminApi(baseUrl: string, key: string) {
  return async (method: string, path: string, body: unknown, expected: number): Promise<any> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status !== expected) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 500)}`);
    return text ? JSON.parse(text) : undefined;
  };
}

/** JIT, pools and upstream sessions warm before the first measured path: `calls` per SDK, 4 clients each. */
async function warmGateway(gw: GatewaySetup, calls: number): Promise<void> {
  const factories = [sdkClient(`${gw.url}/mcp/legacy`, '2025-11-25', bearer(gw)), sdkClient(`${gw.url}/mcp/modern`, '2026-07-28', bearer(gw))];
  const clients = await Promise.all(factories.flatMap((factory) => Array.from({ length: 4 }, () => factory())));
  try {
    await warmUp(clients.map((c) => c.call), calls * factories.length);
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  }
}

/** Sequential series on one client, then the concurrent series on `clients` fresh clients. */
interface Quiet {
  budget: { remainingMs: number };
  log: (line: string) => void;
}

async function measurePath(
  factory: ClientFactory,
  scale: Scale,
  upstream: BenchChild<UpstreamChildInfo>,
  gateway: BenchChild<GatewayChildInfo> | null,
  quiet: Quiet,
): Promise<PathFigures> {
  const single = await factory();
  let sequentialFigures: PhaseFigures;
  try {
    const warm = await warmUntilSteady(single.call, { minCalls: scale.warmUp, maxCalls: scale.maxWarmUp, window: Math.min(250, scale.warmUp) });
    sequentialFigures = { ...(await withCpu(() => sequential(single.call, scale.sequential), upstream, gateway, quiet)), warmUp: warm };
  } finally {
    await single.close();
  }
  const many = await Promise.all(Array.from({ length: scale.clients }, () => factory()));
  try {
    await warmUp(many.map((c) => c.call), Math.max(scale.clients * 5, Math.min(scale.warmUp, 500)));
    const concurrentFigures = await withCpu(() => concurrent(many.map((c) => c.call), scale.perClient), upstream, gateway, quiet);
    return { sequential: sequentialFigures, concurrent: concurrentFigures };
  } finally {
    await Promise.all(many.map((c) => c.close().catch(() => undefined)));
  }
}

async function withCpu(
  series: () => Promise<LoadResult>,
  upstream: BenchChild<UpstreamChildInfo>,
  gateway: BenchChild<GatewayChildInfo> | null,
  quiet: Quiet,
): Promise<PhaseFigures> {
  await waitForQuietHost(quiet.budget, quiet.log);
  const sample = () => Promise.all([gateway?.call<CpuSample>('cpu') ?? null, upstream.call<CpuSample>('cpu'), cpuSample()] as const);
  const stats = () => gateway?.call<GatewayStoreStats>('stats') ?? Promise.resolve(null);
  const statsBefore = await stats();
  const before = await sample();
  const hostBefore = hostTicks();
  const result = await series();
  const hostAfter = hostTicks();
  const after = await sample();
  const statsAfter = await stats();
  const txns = (b: GroupCommitStats | null | undefined, a: GroupCommitStats | null | undefined) =>
    b && a ? `${round((a.batches - b.batches) / result.calls, 2)}${a.walSyncs !== undefined ? ` / ${round((a.walSyncs - (b.walSyncs ?? 0)) / result.calls, 2)} (${round(((a.walSyncMs ?? 0) - (b.walSyncMs ?? 0)) / Math.max(1, a.walSyncs - (b.walSyncs ?? 0)), 3)} ms)` : ''}` : null;
  const ms = (b: CpuSample | null, a: CpuSample | null) => (b && a ? cpuMsBetween(b, a).totalMs : 0);
  const ourMs = ms(before[0], after[0]) + ms(before[1], after[1]) + ms(before[2], after[2]);
  const other = otherCores(hostBefore, hostAfter, ourMs);
  const perCall = (b: CpuSample, a: CpuSample) => round(cpuMsBetween(b, a).totalMs / result.calls, 4);
  return {
    otherCoresBusy: other === null ? null : round(other, 2),
    transactionsPerCall: statsBefore && statsAfter ? txns(statsBefore.ledger, statsAfter.ledger) : null,
    insideMs: statsBefore && statsAfter ? insideMsBetween(statsBefore.timings, statsAfter.timings) : null,
    ...result,
    cpuMsPerCall: {
      gateway: before[0] && after[0] ? perCall(before[0], after[0]) : null,
      upstream: perCall(before[1], after[1]),
      loadGenerator: perCall(before[2], after[2]),
    },
  };
}

/** Mean ms per observation of each gateway histogram between two samples. */

interface Comparison {
  path: string;
  baseline: string;
  mode: SyncMode;
  clients: number;
  deltaP50Ms: number;
  deltaP99Ms: number;
  throughputRatio: number;
}

function present(direct: Map<string, PathFigures>, governed: Map<string, Map<SyncMode, PathFigures>>) {
  const comparisons: Comparison[] = [];
  const targets: TargetCheck[] = [];
  const columns = ['path', 'via', 'clients', 'p50 ms', 'p99 ms', 'calls/s', 'Δp50 ms', 'Δp99 ms', 'thr ratio', 'gw CPU ms/call', 'gw SQLite txns / fsyncs per call (ms each)', 'in gw: commit / upstream / call ms', 'upstream CPU ms/call', 'loadgen CPU ms/call', 'other procs (cores)'];
  const seqRows: Table['rows'] = [];
  const concRows: Table['rows'] = [];
  const row = (id: string, via: string, f: PhaseFigures, base?: PhaseFigures) => [
    id,
    via,
    f.clients,
    f.latencyMs.p50,
    f.latencyMs.p99,
    f.callsPerSecond,
    base ? round(f.latencyMs.p50 - base.latencyMs.p50) : '',
    base ? round(f.latencyMs.p99 - base.latencyMs.p99) : '',
    base ? round(f.callsPerSecond / base.callsPerSecond) : '',
    f.cpuMsPerCall.gateway ?? '',
    f.transactionsPerCall ?? '',
    f.insideMs ? `${f.insideMs.decisionCommit} / ${f.insideMs.upstream} / ${f.insideMs.call}` : '',
    f.cpuMsPerCall.upstream,
    f.cpuMsPerCall.loadGenerator,
    f.otherCoresBusy ?? '',
  ];
  for (const path of PATHS) {
    const baseId = path.baselineOf ?? path.id;
    const base = direct.get(baseId);
    if (path.direct && base) {
      seqRows.push(row(path.id, 'direct', base.sequential));
      concRows.push(row(path.id, 'direct', base.concurrent));
    }
    for (const [mode, figures] of governed.get(path.id) ?? []) {
      const via = `gateway ${mode}${path.baselineOf ? ` (vs ${path.baselineOf} direct)` : ''}`;
      seqRows.push(row(path.id, via, figures.sequential, base?.sequential));
      concRows.push(row(path.id, via, figures.concurrent, base?.concurrent));
      if (!base) continue;
      for (const phase of ['sequential', 'concurrent'] as const) {
        const g = figures[phase];
        const d = base[phase];
        comparisons.push({
          path: path.id,
          baseline: `${baseId} direct`,
          mode,
          clients: g.clients,
          deltaP50Ms: round(g.latencyMs.p50 - d.latencyMs.p50),
          deltaP99Ms: round(g.latencyMs.p99 - d.latencyMs.p99),
          throughputRatio: round(g.callsPerSecond / d.callsPerSecond),
        });
      }
      if (path.targets) {
        const dp50 = figures.sequential.latencyMs.p50 - base.sequential.latencyMs.p50;
        const dp99 = figures.sequential.latencyMs.p99 - base.sequential.latencyMs.p99;
        const ratio = figures.concurrent.callsPerSecond / base.concurrent.callsPerSecond;
        targets.push(target(`${path.id} ${mode}`, 'governed adds ≤ 1 ms p50 (sequential)', signedMs(dp50), dp50 <= 1));
        targets.push(target(`${path.id} ${mode}`, 'governed adds ≤ 3 ms p99 (sequential)', signedMs(dp99), dp99 <= 3));
        targets.push(target(`${path.id} ${mode}`, 'governed throughput ≥ 50% of direct (16 clients)', `${(100 * ratio).toFixed(0)}%`, ratio >= 0.5));
      }
    }
  }
  const tables: Table[] = [
    { title: 'paths (direct = the same client straight to the upstream; Δ and ratios are governed against it)', columns: ['path', 'what'], rows: PATHS.map((p) => [p.id, p.label]) },
    { title: 'tools/call echo, one client, sequential', columns, rows: seqRows },
    { title: 'tools/call echo, 16 concurrent clients (closed loop)', columns, rows: concRows },
  ];
  return { tables, targets, comparisons };
}

const signedMs = (ms: number) => `${ms >= 0 ? '+' : '−'}${Math.abs(ms).toFixed(2)} ms`;

