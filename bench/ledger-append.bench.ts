import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore, type SqliteSynchronous } from '@warden/event-store';
import { createEd25519Signer, generateEd25519KeyPair, GENESIS_PREV, sealEvent, type Signer } from '@warden/ledger';
import { systemClock, uuidV7Ids } from '../src/ledger/clock';
import { LedgerWriter } from '../src/ledger/ledger-writer';
import { WorkerSignatures } from '../src/ledger/signing/worker-signatures';
import type { BenchOptions } from './support/bench-options';
import { cpuMsBetween, cpuSample } from './support/child-probes';
import { hostTicks, otherCores, waitForQuietHost } from './support/host-load';
import { decidedEvents } from './support/ledger-events';
import { environment, target, type BenchReport, type Table, type TargetCheck } from './support/report';
import { round, summarise, type LatencySummary } from './support/stats';

/**
 * (b) Ledger appends/s: each append sealed (JCS + SHA-256 on the event loop, Ed25519 on a worker
 * thread, as the gateway does, chained to its stream's head) by the gateway's LedgerWriter and
 * committed (group commit) by the SQLite event store, with 1 writer and with 64 concurrent writers
 * (one stream, as one gateway node writes its org's calls; and 64 streams), under synchronous
 * FULL and NORMAL; plus, for comparison, 64 writers signing inline on the event loop (the
 * pipeline before the signature worker). Baselines of the same run: sealing alone (no I/O, one
 * thread) and the store alone (pre-built JSON, no sealing).
 */
export const LEDGER_BENCH = 'ledger-append';

const TARGET_APPENDS_PER_SECOND = 15_000;

interface Variant {
  id: string;
  writers: number;
  streams: number;
  /** Where Ed25519 runs: on a worker thread (the gateway) or on the event loop (for comparison). */
  signing: 'worker' | 'inline';
}

const VARIANTS: Variant[] = [
  { id: '1 writer', writers: 1, streams: 1, signing: 'worker' },
  { id: '64 writers, 1 stream', writers: 64, streams: 1, signing: 'worker' },
  { id: '64 writers, 64 streams', writers: 64, streams: 64, signing: 'worker' },
  { id: '64 writers, 64 streams, inline signing', writers: 64, streams: 64, signing: 'inline' },
];

interface AppendFigures {
  variant: string;
  synchronous: SqliteSynchronous | 'none';
  writers: number;
  streams: number;
  appends: number;
  seconds: number;
  appendsPerSecond: number;
  latencyMs: LatencySummary | null;
  transactions: number | null;
  appendsPerTransaction: number | null;
  cpuMsPerAppend: number;
  /** CPU time / wall time of this process: 1.0 = one core busy. */
  coresBusy: number;
  /** Cores other processes of this shared host kept busy meanwhile: high = noisy figures. */
  otherCoresBusy: number | null;
}

export async function runLedgerBench(options: BenchOptions): Promise<BenchReport> {
  const started = performance.now();
  const durationMs = options.quick ? 600 : 2500;
  const keyPair = generateEd25519KeyPair();
  const signer = createEd25519Signer(keyPair.privateKeyPem);
  const privateKey = createPrivateKey(keyPair.privateKeyPem);
  const results: AppendFigures[] = [];

  const budget = { remainingMs: 20_000 };
  const quiet = () => waitForQuietHost(budget, options.log, 4000);

  options.log('ledger-append: baseline, sealing only');
  await quiet();
  results.push(sealOnly(signer, durationMs));
  for (const synchronous of ['FULL', 'NORMAL'] as const) {
    options.log(`ledger-append: baseline, store only, 64 writers, synchronous=${synchronous}`);
    await quiet();
    results.push(await storeOnly(synchronous, durationMs));
    for (const variant of VARIANTS) {
      options.log(`ledger-append: ${variant.id}, synchronous=${synchronous}`);
      await quiet();
      const signing = variant.signing === 'worker' ? new WorkerSignatures(signer.kid, privateKey) : signer;
      try {
        results.push(await appendRun(signing, synchronous, variant, durationMs));
      } finally {
        if (signing instanceof WorkerSignatures) await signing.close();
      }
    }
  }

  const seal = results[0];
  const table: Table = {
    title: 'ledger appends (ToolCallDecided-sized, signed, chained, committed)',
    columns: ['variant', 'sync', 'appends/s', 'vs seal-only', 'p50 ms', 'p99 ms', 'appends/txn', 'CPU ms/append', 'cores busy', 'other procs (cores)'],
    rows: results.map((r) => [
      r.variant,
      r.synchronous,
      r.appendsPerSecond,
      round(r.appendsPerSecond / seal.appendsPerSecond),
      r.latencyMs?.p50 ?? '',
      r.latencyMs?.p99 ?? '',
      r.appendsPerTransaction ?? '',
      r.cpuMsPerAppend,
      r.coresBusy,
      r.otherCoresBusy ?? '',
    ]),
  };
  const targets: TargetCheck[] = results
    .filter((r) => r.writers === 64 && r.variant !== 'store only' && !r.variant.includes('inline'))
    .map((r) =>
      target(`${r.variant}, ${r.synchronous}`, `≥ ${TARGET_APPENDS_PER_SECOND.toLocaleString('en-US')} appends/s`, `${Math.round(r.appendsPerSecond).toLocaleString('en-US')}/s`, r.appendsPerSecond >= TARGET_APPENDS_PER_SECOND),
    );
  return {
    bench: LEDGER_BENCH,
    startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
    seconds: round((performance.now() - started) / 1000, 1),
    environment: environment(),
    parameters: { durationMsPerRun: durationMs, variants: VARIANTS, eventShape: 'ToolCallDecided (2 gate reasons, payload digest)' },
    figures: { runs: results },
    tables: [table],
    targets,
    notes: [
      'the writer hashes on the event loop and signs on one worker thread (batches of 8 hashes), so the two overlap: sealing-only (one thread) is no longer the ceiling; the inline-signing row is the earlier pipeline',
      'cores busy counts every thread of the process (the signature worker included)',
      'the target is checked on 64 concurrent writers (the 1-writer rows are one append per transaction: an fsync each under FULL)',
      'other procs (cores): CPU used by other processes of this shared host during the run; rows where it is high are noisy',
    ],
  };
}

/** Sealing only: JCS + SHA-256 + Ed25519 in a loop, no store. */
function sealOnly(signer: Signer, durationMs: number): AppendFigures {
  const events = decidedEvents();
  const cpu0 = cpuSample();
  const host0 = hostTicks();
  const t0 = performance.now();
  let count = 0;
  let prev = GENESIS_PREV;
  while (performance.now() - t0 < durationMs) {
    for (let i = 0; i < 100; i++) {
      const event = events.next(uuidV7Ids.next());
      const sealed = sealEvent({ ...event, stream: 'calls-bench-node-1', at: systemClock.nowIso() }, { seq: count, prev }, signer);
      prev = sealed.hash;
      count += 1;
    }
  }
  const wallMs = performance.now() - t0;
  const cpuMs = cpuMsBetween(cpu0, cpuSample()).totalMs;
  return figures('seal only (no store)', 'none', 1, 1, count, wallMs, null, null, cpuMs, otherCores(host0, hostTicks(), cpuMs));
}

/** The store alone: envelope-sized JSON appended by 64 concurrent loops, no sealing. */
async function storeOnly(synchronous: SqliteSynchronous, durationMs: number): Promise<AppendFigures> {
  const signer = createEd25519Signer(generateEd25519KeyPair().privateKeyPem);
  const events = decidedEvents();
  const sample = sealEvent({ ...events.next(uuidV7Ids.next()), stream: 'calls-bench-node-1', at: systemClock.nowIso() }, { seq: 0, prev: GENESIS_PREV }, signer);
  return withStore(synchronous, async (store) => {
    const run = await loops(64, durationMs, async (loop) => {
      const id = uuidV7Ids.next();
      await store.appendToStream(`bench-${loop}`, [{ id, type: 'ToolCallDecided', data: { ...sample, id } }], { expectedRevision: 'any' });
    });
    const stats = store.groupCommitStats();
    return figures('store only', synchronous, 64, 64, run.count, run.wallMs, run.latency, stats.batches, run.cpuMs, run.otherCores);
  });
}

async function appendRun(signer: Signer | WorkerSignatures, synchronous: SqliteSynchronous, variant: Variant, durationMs: number): Promise<AppendFigures> {
  return withStore(synchronous, async (store) => {
    const writer = new LedgerWriter(store, signer, systemClock, uuidV7Ids);
    const events = decidedEvents();
    const streams = Array.from({ length: variant.streams }, (_, i) => `calls-${events.org}-node-${i + 1}`);
    const append = (loop: number) => writer.append(streams[loop % streams.length], [events.next(writer.newEventId())]);
    // Warm-up: chain heads loaded, statements prepared, JIT warm.
    await Promise.all(streams.map((_, i) => append(i)));
    for (let i = 0; i < 200; i++) await append(0);
    const batchesBefore = store.groupCommitStats().batches;
    const run = await loops(variant.writers, durationMs, append);
    const transactions = store.groupCommitStats().batches - batchesBefore;
    return figures(variant.id, synchronous, variant.writers, variant.streams, run.count, run.wallMs, run.latency, transactions, run.cpuMs, run.otherCores);
  });
}

async function withStore<T>(synchronous: SqliteSynchronous, body: (store: SqliteEventStore) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-bench-ledger-'));
  const store = new SqliteEventStore({ file: join(dir, 'ledger.db'), synchronous });
  try {
    return await body(store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `writers` closed loops, each awaiting its append before the next, until the time is up. */
async function loops(writers: number, durationMs: number, append: (loop: number) => Promise<unknown>) {
  const samples: number[] = [];
  let stop = false;
  const cpu0 = cpuSample();
  const host0 = hostTicks();
  const t0 = performance.now();
  const timer = setTimeout(() => (stop = true), durationMs);
  await Promise.all(
    Array.from({ length: writers }, async (_, loop) => {
      while (!stop) {
        const t = performance.now();
        await append(loop);
        samples.push(performance.now() - t);
      }
    }),
  );
  clearTimeout(timer);
  const wallMs = performance.now() - t0;
  const cpuMs = cpuMsBetween(cpu0, cpuSample()).totalMs;
  return { count: samples.length, wallMs, latency: summarise(samples), cpuMs, otherCores: otherCores(host0, hostTicks(), cpuMs) };
}

function figures(
  variant: string,
  synchronous: SqliteSynchronous | 'none',
  writers: number,
  streams: number,
  appends: number,
  wallMs: number,
  latency: LatencySummary | null,
  transactions: number | null,
  cpuMs: number,
  other: number | null,
): AppendFigures {
  return {
    variant,
    synchronous,
    writers,
    streams,
    appends,
    seconds: round(wallMs / 1000),
    appendsPerSecond: round(appends / (wallMs / 1000), 1),
    latencyMs: latency,
    transactions,
    appendsPerTransaction: transactions ? round(appends / transactions, 1) : null,
    cpuMsPerAppend: round(cpuMs / appends, 4),
    coresBusy: round(cpuMs / wallMs, 2),
    otherCoresBusy: other === null ? null : round(other, 2),
  };
}
