import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@warden/event-store';
import { verifyEnvelope, type EventEnvelope } from '@warden/ledger';
import { systemClock, uuidV7Ids } from '../src/ledger/clock';
import { establishNodeTrust } from '../src/ledger/node-trust';
import { LedgerWriter } from '../src/ledger/ledger-writer';
import type { BenchOptions } from './support/bench-options';
import { hostTicks, otherCores, waitForQuietHost } from './support/host-load';
import { decidedEvents } from './support/ledger-events';
import { environment, target, type BenchReport, type Table } from './support/report';
import { round } from './support/stats';

/**
 * (c) `warden verify` events/s: a ledger of N ToolCallDecided-sized events written the way the
 * gateway writes it (root + node keys under <dir>/keys, the node key registered by the root), then
 * the CLI run as a child process with --workers 0, 1, 2. Baseline of the same run: one thread
 * checking hash + signature of in-memory envelopes (no I/O, no chain walk), the per-core ceiling.
 */
export const VERIFY_BENCH = 'verify';

const TARGET_EVENTS_PER_SECOND = 12_000;
const NODE_ID = 'node-1';
const CLI = join(__dirname, '..', 'src', 'cli', 'main.js');

interface VerifyRun {
  workers: number;
  ok: boolean;
  events: number;
  /** The CLI's own figure (time inside verifyLedger). */
  eventsPerSecond: number;
  /** Process start to exit, measured here. */
  wallSeconds: number;
  eventsPerSecondWall: number;
  /** User + system CPU of the child (its threads included), from this process's cutime/cstime. */
  cpuSeconds: number;
  coresBusy: number;
  /** Cores other processes of this shared host kept busy meanwhile: high = noisy figures. */
  otherCoresBusy: number | null;
}

export async function runVerifyBench(options: BenchOptions): Promise<BenchReport> {
  const started = performance.now();
  const eventCount = options.quick ? 10_000 : 100_000;
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-bench-verify-'));
  try {
    options.log(`verify: writing a ledger of ${eventCount.toLocaleString('en-US')} events`);
    const build = await buildLedger(dataDir, eventCount);
    const budget = { remainingMs: 20_000 };
    options.log('verify: baseline, in-memory hash + signature checks on one thread');
    await waitForQuietHost(budget, options.log);
    const ceiling = checkCeiling(build.sample, build.publicKey, options.quick ? 500 : 1500);
    const runs: VerifyRun[] = [];
    for (const workers of [0, 1, 2]) {
      options.log(`verify: warden verify --workers ${workers}`);
      await waitForQuietHost(budget, options.log);
      runs.push(await runCli(dataDir, workers));
    }
    const bad = runs.find((r) => !r.ok || r.events !== build.totalEvents);
    if (bad) throw new Error(`warden verify --workers ${bad.workers} reported ok=${bad.ok}, ${bad.events} events (expected ${build.totalEvents})`);

    const table: Table = {
      title: `warden verify, ${build.totalEvents.toLocaleString('en-US')} events (${(build.bytes / 1e6).toFixed(0)} MB ledger.db)`,
      columns: ['run', 'events/s (CLI)', 'events/s (wall)', 'wall s', 'CPU s', 'cores busy', 'vs 1-core ceiling', 'vs 2-core ceiling', 'other procs (cores)'],
      rows: [
        ['in-memory check, 1 thread (ceiling)', ceiling.eventsPerSecond, '', ceiling.seconds, '', 1, 1, 0.5, ceiling.otherCoresBusy ?? ''],
        ...runs.map((r) => [
          `--workers ${r.workers}`,
          r.eventsPerSecond,
          r.eventsPerSecondWall,
          r.wallSeconds,
          r.cpuSeconds,
          r.coresBusy,
          round(r.eventsPerSecond / ceiling.eventsPerSecond),
          round(r.eventsPerSecond / (2 * ceiling.eventsPerSecond)),
          r.otherCoresBusy ?? '',
        ]),
      ],
    };
    const best = runs.reduce((a, b) => (b.eventsPerSecond > a.eventsPerSecond ? b : a));
    const two = runs.find((r) => r.workers === 2)!;
    return {
      bench: VERIFY_BENCH,
      startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
      seconds: round((performance.now() - started) / 1000, 1),
      environment: environment(),
      parameters: { events: build.totalEvents, streams: build.streams, writeSeconds: build.seconds, ledgerBytes: build.bytes },
      figures: { ceiling, runs, written: { events: build.totalEvents, streams: build.streams, seconds: build.seconds, bytes: build.bytes } },
      tables: [table],
      targets: [
        target('verify --workers 2', `≥ ${TARGET_EVENTS_PER_SECOND.toLocaleString('en-US')} events/s`, `${Math.round(two.eventsPerSecond).toLocaleString('en-US')}/s`, two.eventsPerSecond >= TARGET_EVENTS_PER_SECOND),
        target(`verify best (--workers ${best.workers})`, `≥ ${TARGET_EVENTS_PER_SECOND.toLocaleString('en-US')} events/s`, `${Math.round(best.eventsPerSecond).toLocaleString('en-US')}/s`, best.eventsPerSecond >= TARGET_EVENTS_PER_SECOND),
      ],
      notes: [
        'other procs (cores): CPU used by other processes of this shared host during the run; rows where it is high are noisy',
        `ledger written at ${Math.round(build.totalEvents / build.seconds).toLocaleString('en-US')} events/s (synchronous NORMAL, 16 writers, 10 events per append)`,
      ],
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Keys and key registration exactly as the gateway's LedgerModule does, then the events. */
async function buildLedger(dataDir: string, count: number) {
  const t0 = performance.now();
  const store = new SqliteEventStore({ file: join(dataDir, 'ledger.db'), synchronous: 'NORMAL' });
  const streams = 4;
  const perAppend = 10;
  const sample: EventEnvelope[] = [];
  let publicKey: Uint8Array;
  try {
    const trust = await establishNodeTrust(store, { dataDir, nodeId: NODE_ID }, systemClock, uuidV7Ids);
    const writer = new LedgerWriter(store, trust.node.signer, systemClock, uuidV7Ids);
    publicKey = trust.node.signer.publicKey;
    const sources = Array.from({ length: streams }, () => decidedEvents());
    let remaining = count;
    await Promise.all(
      Array.from({ length: 16 }, async (_, loop) => {
        const source = sources[loop % streams];
        const stream = `calls-${source.org}-${NODE_ID}`;
        while (remaining > 0) {
          const n = Math.min(perAppend, remaining);
          remaining -= n;
          const appended = await writer.append(stream, Array.from({ length: n }, () => source.next(writer.newEventId())));
          if (sample.length < 2000) sample.push(...appended.envelopes);
        }
      }),
    );
  } finally {
    await store.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  let bytes = 0;
  for (const suffix of ['', '-wal']) {
    try {
      bytes += readFileSync(join(dataDir, `ledger.db${suffix}`)).length;
    } catch {
      // no WAL left after a clean close
    }
  }
  // +1: the KeyRegistered event.
  return { totalEvents: count + 1, streams: streams + 1, seconds: round(seconds, 2), bytes, sample, publicKey };
}

/** Hash + signature checks of in-memory envelopes on this thread: what one core can do. */
function checkCeiling(sample: EventEnvelope[], publicKey: Uint8Array, durationMs: number) {
  // Round-trip through JSON, as the verifier sees stored events.
  const envelopes = sample.map((e) => JSON.parse(JSON.stringify(e)) as unknown);
  const kid = sample[0].kid;
  const resolve = (k: string) => (k === kid ? publicKey : undefined);
  let count = 0;
  const cpu0 = process.cpuUsage();
  const host0 = hostTicks();
  const t0 = performance.now();
  while (performance.now() - t0 < durationMs) {
    for (const envelope of envelopes) {
      const result = verifyEnvelope(envelope, resolve);
      if (!result.ok) throw new Error(`ceiling: a freshly written envelope did not verify: ${JSON.stringify(result)}`);
      count += 1;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const other = otherCores(host0, hostTicks(), (cpu.user + cpu.system) / 1000);
  return { events: count, seconds: round(seconds, 2), eventsPerSecond: round(count / seconds, 1), otherCoresBusy: other === null ? null : round(other, 2) };
}

async function runCli(dataDir: string, workers: number): Promise<VerifyRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, WARDEN_DATA_DIR: dataDir };
  delete env.WARDEN_EVENT_STORE;
  const cpuBefore = childrenCpuSeconds();
  const ownBefore = process.cpuUsage();
  const host0 = hostTicks();
  const t0 = performance.now();
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'verify', '--data-dir', dataDir, '--json', '--workers', String(workers)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('error', reject);
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      resolve({ code: exitCode, stdout: out, stderr: err });
    });
  });
  const wallSeconds = (performance.now() - t0) / 1000;
  const cpuSeconds = childrenCpuSeconds() - cpuBefore;
  const own = process.cpuUsage(ownBefore);
  const other = otherCores(host0, hostTicks(), cpuSeconds * 1000 + (own.user + own.system) / 1000);
  if (code !== 0) throw new Error(`warden verify --workers ${workers} exited ${code}: ${stdout.slice(0, 500)} ${stderr.slice(0, 500)}`);
  const report = JSON.parse(stdout.trim().split('\n').pop()!) as { ok: boolean; events: number; eventsPerSecond: number };
  return {
    workers,
    ok: report.ok,
    events: report.events,
    eventsPerSecond: report.eventsPerSecond,
    wallSeconds: round(wallSeconds, 2),
    eventsPerSecondWall: round(report.events / wallSeconds, 1),
    cpuSeconds: round(cpuSeconds, 2),
    coresBusy: round(cpuSeconds / wallSeconds, 2),
    otherCoresBusy: other === null ? null : round(other, 2),
  };
}

/** cutime + cstime of this process (waited-for children), Linux /proc; NaN elsewhere. */
function childrenCpuSeconds(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); cutime and cstime are fields 16 and 17.
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return Number.NaN;
  }
}
