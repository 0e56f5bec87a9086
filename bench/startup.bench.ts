import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { SqliteEventStore } from '@warden/event-store';
import { startGateway } from '../src/bootstrap';
import { loadConfig } from '../src/config/warden-config';
import { verifyLedger } from '../src/cli/verify-ledger';
import { systemClock, uuidV7Ids } from '../src/ledger/clock';
import { nodeKeyFile, readPrivateKey, readRootPublicKey, rootPublicKeyFile } from '../src/ledger/key-files';
import { LedgerIntegrity } from '../src/ledger/ledger-integrity';
import { LedgerWriter } from '../src/ledger/ledger-writer';
import { ReadModelProjector } from '../src/ledger/read-model-projector';
import { AnchorProjection } from '../src/anchor/anchor-projection';
import { ReadModelSnapshots } from '../src/snapshots/read-model-snapshots';
import type { BenchOptions } from './support/bench-options';
import { decidedEvents } from './support/ledger-events';
import { environment, target, type BenchReport, type Table } from './support/report';
import { median, round } from './support/stats';

/**
 * (d) What start-up costs (issue 13 item 1, issue 17). A real gateway registers AGENTS agents
 * through its API (the read-model streams), then tool-call events are appended to its calls
 * stream with its node key, up to each size. At each size, in the same run: one start lets the
 * anchor catch up and takes a read-model snapshot at the head; then the gateway is started three
 * times with snapshots off (the full verified replay: every event the read models apply, the
 * tool-call streams included) and three times from the snapshot (checked, restored, only the
 * events after it verified); medians, their ratio, and beside them a full `warden verify`.
 */
export const STARTUP_BENCH = 'startup';

const AGENTS = 1_000;
/** Calls appended between the two snapshots of a size (each needs a position of its own). */
const TAIL_BETWEEN = 10;

export async function runStartupBench(options: BenchOptions): Promise<BenchReport> {
  const started = performance.now();
  const sizes = options.quick ? [0, 10_000] : options.long ? [0, 100_000, 1_000_000] : [0, 100_000];
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-bench-startup-'));
  const env = { WARDEN_DATA_DIR: dataDir, WARDEN_PORT: '0', WARDEN_SQLITE_SYNCHRONOUS: 'NORMAL', WARDEN_LOG_LEVEL: 'error' };
  try {
    options.log(`startup: a gateway with ${AGENTS.toLocaleString('en-US')} agents registered through its API`);
    const orgId = await registerReadModelEvents(env);
    const rows: Array<Array<string | number>> = [];
    const blocks: Array<Array<string | number>> = [];
    const figures: unknown[] = [];
    const ratios: Array<{ size: number; ratio: number; fromSnapshotMs: number }> = [];
    let written = 0;
    for (const size of sizes) {
      if (size > written) {
        options.log(`startup: appending tool-call events up to ${size.toLocaleString('en-US')}`);
        await appendCalls(dataDir, orgId, size - written);
        written = size;
      }
      options.log(`startup: the anchor catches up and a read-model snapshot is taken at the head, encoded on the event loop`);
      const inline = await snapshotAtHead({ ...env, WARDEN_SNAPSHOT_ENCODING: 'inline' });
      // A few more calls, so the next snapshot has a position of its own (the start resumes from the one above).
      await appendCalls(dataDir, orgId, TAIL_BETWEEN);
      written += TAIL_BETWEEN;
      options.log(`startup: another at the head, encoded on a worker thread`);
      const snapshot = await snapshotAtHead({ ...env, WARDEN_SNAPSHOT_ENCODING: 'worker' });
      // --long: one start of each kind per size (a full replay of 1M calls takes minutes on this host).
      const starts = options.long ? 1 : 3;
      const full = await timedStarts({ ...env, WARDEN_SNAPSHOTS: 'off' }, starts);
      // The baseline of the replay workers: the same full replay verified on the event loop only.
      const fullOneThread = await timedStarts({ ...env, WARDEN_SNAPSHOTS: 'off', WARDEN_REPLAY_WORKERS: '0' }, starts);
      const fromSnapshot = await timedStarts(env, starts);
      if (fromSnapshot.startedFrom?.from !== 'snapshot') throw new Error(`the gateway did not start from the snapshot: ${JSON.stringify(fromSnapshot.startedFrom)}`);
      options.log(`startup: full verification of the same ledger (2 workers)`);
      const verified = await fullVerify(dataDir);
      const ratio = round(full.ms / fromSnapshot.ms, 1);
      rows.push([size, fullOneThread.ms, full.ms, `${round(fullOneThread.ms / Math.max(full.ms, 1), 2)}×`, full.integrity.verifiedEvents, fromSnapshot.ms, fromSnapshot.integrity.verifiedEvents, `${ratio}×`, snapshot.bytes, `${snapshot.ms} (${snapshot.blockingMs})`, round(verified.seconds, 2)]);
      blocks.push([size, snapshot.bytes, inline.loopDelayMaxMs, inline.blockingMs, snapshot.loopDelayMaxMs, snapshot.blockingMs, snapshot.encodeMs, `${round(inline.loopDelayMaxMs / Math.max(snapshot.loopDelayMaxMs, 1), 1)}×`]);
      figures.push({ callEvents: size, fullOneThread, full, fromSnapshot, snapshot, snapshotInline: inline, ratio, fullVerify: verified });
      if (size > 0) ratios.push({ size, ratio, fromSnapshotMs: fromSnapshot.ms });
    }
    const table: Table = {
      title: `gateway start-up with ${AGENTS.toLocaleString('en-US')} agents: full verified replay vs from a read-model snapshot at the head (same run)`,
      columns: ['tool-call events', `full replay, verified on the event loop, ms (${options.long ? 'one start' : 'median of 3'})`, 'full replay, replay workers', 'one thread / workers', 'events verified', `from snapshot start ms (${options.long ? 'one start' : 'median of 3'})`, 'events verified', 'full / snapshot', 'snapshot bytes', 'snapshot take ms (blocking)', 'warden verify s (2 workers)'],
      rows,
    };
    const blockTable: Table = {
      title: 'the event loop while a snapshot is taken: its longest stall (monitorEventLoopDelay max) with the body encoded on the event loop vs on a worker thread (same run, same state)',
      columns: ['tool-call events', 'snapshot bytes', 'inline: loop stall max ms', 'inline: blocking ms', 'worker: loop stall max ms', 'worker: blocking ms', 'worker: encode ms (off the loop)', 'inline / worker stall'],
      rows: blocks,
    };
    return {
      bench: STARTUP_BENCH,
      startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
      seconds: round((performance.now() - started) / 1000, 1),
      environment: environment(),
      parameters: { agents: AGENTS, sizes, synchronous: 'NORMAL' },
      figures,
      tables: [table, blockTable],
      targets: ratios.map(({ size, ratio, fromSnapshotMs }) =>
        target(`start-up from a snapshot, ${size.toLocaleString('en-US')} calls`, 'bounded by the tail (≤ the start with no calls × 2)', `${fromSnapshotMs} ms (${ratio}× faster than the full replay)`, fromSnapshotMs <= Math.max(baseMs(figures) * 2, 1)),
      ),
      notes: [
        'start ms: startGateway() until it listens, in this process (the anchor has caught up before: it is idle in both)',
        'full replay (WARDEN_SNAPSHOTS=off): the read models replay from position 0 and verify every event they apply, the tool-call streams included; hashes and signatures on WARDEN_REPLAY_WORKERS threads (default: the cores, at most 4), chains, order and applying on the event loop',
        'from snapshot: the newest snapshot is checked (signature, event at P, signed checkpoint + inclusion proof, keys), limits/trust/reviews restored, the other read models replay their small streams, then only the events after P are verified',
        'snapshot take ms: from capture to stored, waiting for the anchor to sign a covering checkpoint included; (blocking): the synchronous part on the event loop (capture, the states\' JSON.stringify, signature, write; inline also the canonical encoding and hashing)',
        'loop stall max: the longest event-loop delay (perf_hooks monitorEventLoopDelay, 5 ms resolution) from take() to stored, in the gateway\'s process: everything on the loop then counts (the anchor signing a checkpoint for the snapshot too; its first checkpoint over the appended calls is signed before)',
        'the bench appends ToolCallDecided events only (no outcomes): the limit counters keep up to 100,000 calls awaiting their outcome, which makes the 100k snapshot larger than a real node\'s',
        'snapshot taken at the head here (tail 0): a running node takes one every WARDEN_SNAPSHOT_EVERY_EVENTS (10,000) events or WARDEN_SNAPSHOT_EVERY_MS (60 s), so the tail it verifies at start is bounded by those',
      ],
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function timedStarts(env: Record<string, string>, count: number) {
  const starts: number[] = [];
  let integrity = { verifiedEvents: 0, verifyMs: 0 };
  let startedFrom;
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const gateway = await startGateway(loadConfig(env), { logger: false });
    starts.push(performance.now() - t0);
    integrity = gateway.app.get(LedgerIntegrity).health();
    startedFrom = gateway.app.get(ReadModelProjector).health().startedFrom;
    await gateway.close();
  }
  return { ms: round(median(starts), 0), starts: starts.map((s) => round(s, 0)), integrity, startedFrom };
}

/** One start that lets the anchor catch up with the appended calls, then takes a snapshot at the head. */
async function snapshotAtHead(env: Record<string, string>) {
  const gateway = await startGateway(loadConfig({ ...env, WARDEN_SNAPSHOT_EVERY_EVENTS: '1000000000', WARDEN_SNAPSHOT_EVERY_MS: '0' }), { logger: false });
  try {
    const anchor = gateway.app.get(AnchorProjection);
    const projector = gateway.app.get(ReadModelProjector);
    await anchor.reached(projector.health().position);
    // The anchor's first checkpoint over the appended calls (a Merkle tree of up to 1M new leaves) is
    // signed before the measurement: what is measured is the snapshot's own cost on the loop.
    for (const { org } of projector.capture()?.logs ?? []) await anchor.checkpointLog(org);
    await anchor.reached(projector.health().position);
    // The loop's longest stall while the snapshot is taken (the anchor's checkpoint for it included).
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const outcome = await gateway.app.get(ReadModelSnapshots).take();
    await new Promise((resolve) => setTimeout(resolve, 50)); // the histogram's timer records the last stall
    delay.disable();
    if (!outcome.taken) throw new Error(`no snapshot: ${outcome.why}`);
    const { bytes, ms, blockingMs, encodeMs, offThread, position } = outcome;
    if (offThread !== (env.WARDEN_SNAPSHOT_ENCODING === 'worker')) throw new Error(`the snapshot was encoded ${offThread ? 'off' : 'on'} the event loop, not as asked (${env.WARDEN_SNAPSHOT_ENCODING})`);
    return { bytes, ms, blockingMs, encodeMs, offThread, position, loopDelayMaxMs: round(delay.max / 1e6, 1), loopDelayP99Ms: round(delay.percentile(99) / 1e6, 1) };
  } finally {
    await gateway.close();
  }
}

function baseMs(figures: unknown[]): number {
  return (figures[0] as { full: { ms: number } }).full.ms;
}

async function registerReadModelEvents(env: Record<string, string>): Promise<string> {
  const gateway = await startGateway(loadConfig(env), { logger: false });
  try {
    const { orgId, adminKey } = gateway.bootstrap!;
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${gateway.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    };
    for (let i = 0; i < AGENTS; i++) await post('/v1/agents', { name: `agent-${i}` });
    return orgId;
  } finally {
    await gateway.close();
  }
}

async function appendCalls(dataDir: string, orgId: string, count: number): Promise<void> {
  const node = readPrivateKey(nodeKeyFile(dataDir, 'node-1'))!;
  const store = new SqliteEventStore({ file: join(dataDir, 'ledger.db'), synchronous: 'NORMAL' });
  try {
    const writer = new LedgerWriter(store, node.signer, systemClock, uuidV7Ids);
    const source = decidedEvents(orgId);
    const stream = `calls-${orgId}-node-1`;
    let remaining = count;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (remaining > 0) {
          const n = Math.min(50, remaining);
          remaining -= n;
          await writer.append(stream, Array.from({ length: n }, () => source.next(writer.newEventId())));
        }
      }),
    );
  } finally {
    await store.close();
  }
}

async function fullVerify(dataDir: string): Promise<{ seconds: number; events: number; ok: boolean }> {
  const root = readRootPublicKey(rootPublicKeyFile(dataDir))!;
  const store = new SqliteEventStore({ file: join(dataDir, 'ledger.db'), readonly: true });
  try {
    const report = await verifyLedger(store, { rootPublicKey: root.publicKey, workers: 2 });
    if (!report.ok) throw new Error(`the bench ledger does not verify: ${JSON.stringify(report.firstProblem)}`);
    return { seconds: report.seconds, events: report.events, ok: report.ok };
  } finally {
    await store.close();
  }
}
