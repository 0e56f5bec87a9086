import { nodeKeyFile, readPrivateKey } from '../src/ledger/key-files';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@warden/event-store';
import {
  buildExportBundle,
  BUNDLE_FILES,
  fromHex,
  publicKeyFromPem,
  KEY_STREAM,
  MerkleFrontier,
  nodeBundleCrypto,
  rfc9162Hasher,
  verifyExportBundle,
  type BundleCheckpointLine,
  type EventEnvelope,
} from '@warden/ledger';
import { CHECKPOINT_SIGNED, type CheckpointSignedData } from '../src/anchor/anchor.events';
import { CheckpointSigner } from '../src/anchor/checkpoint-signer';
import { deploymentName } from '../src/anchor/log-origin';
import { systemClock, uuidV7Ids } from '../src/ledger/clock';
import { establishNodeTrust } from '../src/ledger/node-trust';
import { LedgerWriter } from '../src/ledger/ledger-writer';
import type { BenchOptions } from './support/bench-options';
import { waitForQuietHost } from './support/host-load';
import { decidedEvents } from './support/ledger-events';
import { environment, target, type BenchReport, type Table } from './support/report';
import { round } from './support/stats';

/**
 * Export and verify-export throughput (events/s) for 10k events (100k with --long) of one
 * organisation, checkpointed every 1,000 events as the anchor does. Export = read the org's log
 * and the key stream from SQLite, build the bundle (frontier, payload lines, manifest digests),
 * write its files (the service's work, without HTTP). verify-export = the compiled CLI as a child
 * process (and the same core in-process). Baseline of the same run: `warden verify` of the same
 * ledger (the whole ledger, --workers 2).
 */
export const EXPORT_BENCH = 'export';

const TARGET_VERIFY_EVENTS_PER_SECOND = 10_000;
const CHECKPOINT_EVERY = 1_000;
const NODE_ID = 'node-1';
const CLI = join(__dirname, '..', 'src', 'cli', 'main.js');

export async function runExportBench(options: BenchOptions): Promise<BenchReport> {
  const started = performance.now();
  const counts = options.quick ? [2_000] : options.long ? [10_000, 100_000] : [10_000];
  const rows: Table['rows'] = [];
  const figures: Array<Record<string, unknown>> = [];
  const budget = { remainingMs: 20_000 };
  for (const count of counts) {
    const dataDir = mkdtempSync(join(tmpdir(), 'warden-bench-export-'));
    try {
      options.log(`export: writing a ledger of ${count.toLocaleString('en-US')} events, a checkpoint every ${CHECKPOINT_EVERY}`);
      const ledger = await buildLedger(dataDir, count);
      await waitForQuietHost(budget, options.log);
      options.log('export: building the bundle');
      const exported = await exportBundle(dataDir, ledger.org, ledger.origin, join(dataDir, 'bundle'));
      await waitForQuietHost(budget, options.log);
      options.log('export: warden verify-export (CLI)');
      const cli = await runCli(['verify-export', join(dataDir, 'bundle'), '--root-fingerprint', ledger.rootKid, '--json']);
      const cli0 = await runCli(['verify-export', join(dataDir, 'bundle'), '--root-fingerprint', ledger.rootKid, '--json', '--workers', '0']);
      const cliReport = JSON.parse(cli.stdout) as { ok: boolean; events: number };
      if (!cliReport.ok || cliReport.events !== exported.events) throw new Error(`verify-export: ${cli.stdout.slice(0, 300)}`);
      options.log('export: verifyExportBundle in-process (one thread)');
      const inProcess = await verifyInProcess(join(dataDir, 'bundle'), ledger.rootKid, exported.events);
      await waitForQuietHost(budget, options.log);
      options.log('export: baseline, warden verify --workers 2 of the same ledger');
      const baseline = await runCli(['verify', '--data-dir', dataDir, '--json', '--workers', '2'], { WARDEN_DATA_DIR: dataDir });
      const verify = JSON.parse(baseline.stdout.trim().split('\n').pop()!) as { ok: boolean; events: number; eventsPerSecond: number };
      if (!verify.ok) throw new Error('warden verify failed on the bench ledger');
      const cliRate = exported.events / cli.wallSeconds;
      const cli0Rate = exported.events / cli0.wallSeconds;
      figures.push({ count, exported, cli: { wallSeconds: round(cli.wallSeconds, 2), eventsPerSecond: round(cliRate, 1) }, cliNoWorkers: { wallSeconds: round(cli0.wallSeconds, 2), eventsPerSecond: round(cli0Rate, 1) }, inProcess, verify });
      rows.push(
        [`${count.toLocaleString('en-US')}: export (read + build + write)`, round(exported.events / exported.seconds, 1), round(exported.seconds, 2), round(exported.events / exported.seconds / verify.eventsPerSecond)],
        [`${count.toLocaleString('en-US')}: verify-export --workers 2, CLI wall`, round(cliRate, 1), round(cli.wallSeconds, 2), round(cliRate / verify.eventsPerSecond)],
        [`${count.toLocaleString('en-US')}: verify-export --workers 0, CLI wall`, round(cli0Rate, 1), round(cli0.wallSeconds, 2), round(cli0Rate / verify.eventsPerSecond)],
        [`${count.toLocaleString('en-US')}: verifyExportBundle in-process, one thread`, inProcess.eventsPerSecond, inProcess.seconds, round(inProcess.eventsPerSecond / verify.eventsPerSecond)],
        [`${count.toLocaleString('en-US')}: warden verify --workers 2 (baseline)`, verify.eventsPerSecond, round(verify.events / verify.eventsPerSecond, 2), 1],
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  const last = figures[figures.length - 1] as { cli: { eventsPerSecond: number }; inProcess: { eventsPerSecond: number } };
  return {
    bench: EXPORT_BENCH,
    startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
    seconds: round((performance.now() - started) / 1000, 1),
    environment: environment(),
    parameters: { counts, checkpointEvery: CHECKPOINT_EVERY },
    figures,
    tables: [{ title: 'export and verify-export (one organisation, checkpoint every 1,000 events)', columns: ['run', 'events/s', 'seconds', 'vs warden verify'], rows }],
    targets: [
      target('verify-export --workers 2 (CLI wall, largest run)', `≥ ${TARGET_VERIFY_EVENTS_PER_SECOND.toLocaleString('en-US')} events/s`, `${Math.round(last.cli.eventsPerSecond).toLocaleString('en-US')}/s`, last.cli.eventsPerSecond >= TARGET_VERIFY_EVENTS_PER_SECOND),
      target('verifyExportBundle in-process (largest run)', `≥ ${TARGET_VERIFY_EVENTS_PER_SECOND.toLocaleString('en-US')} events/s`, `${Math.round(last.inProcess.eventsPerSecond).toLocaleString('en-US')}/s`, last.inProcess.eventsPerSecond >= TARGET_VERIFY_EVENTS_PER_SECOND),
    ],
    notes: [
      'verify-export --workers 2 checks signatures on two worker threads while the main thread parses and hashes; the CLI wall time includes process start-up and reading the files',
      'the baseline verifies the whole ledger (the key event too); the ratio compares events/s',
    ],
  };
}

/** The gateway's keys and key registration, N decided events of one org in order, and a signed checkpoint every CHECKPOINT_EVERY org events (each itself a leaf). */
export async function buildLedger(dataDir: string, count: number) {
  const store = new SqliteEventStore({ file: join(dataDir, 'ledger.db'), synchronous: 'NORMAL' });
  try {
    const trust = await establishNodeTrust(store, { dataDir, nodeId: NODE_ID }, systemClock, uuidV7Ids);
    const writer = new LedgerWriter(store, trust.node.signer, systemClock, uuidV7Ids);
    const deployment = deploymentName(undefined, trust.root.kid);
    const signer = new CheckpointSigner(deployment, trust.node.signer, writer, NODE_ID);
    const source = decidedEvents();
    const frontier = MerkleFrontier.empty();
    const add = (envs: EventEnvelope[]) => envs.forEach((e) => frontier.append(rfc9162Hasher.hashLeaf(fromHex(e.hash))));
    let written = 0;
    while (written < count) {
      const n = Math.min(100, count - written);
      add((await writer.append(`calls-${source.org}-${NODE_ID}`, Array.from({ length: n }, () => source.next(writer.newEventId())))).envelopes);
      written += n;
      if (written % CHECKPOINT_EVERY === 0 || written === count) {
        const data: CheckpointSignedData = { org: source.org, size: frontier.size, root: '', note: signer.note({ log: source.org, size: frontier.size, rootHash: frontier.root() }) };
        data.root = Buffer.from(frontier.root()).toString('base64');
        add((await writer.append(`checkpoints-${source.org}`, [{ type: CHECKPOINT_SIGNED, org: source.org, actor: { kind: 'node', id: NODE_ID }, data: data as unknown as Record<string, unknown> }])).envelopes);
      }
    }
    return { org: source.org, origin: signer.origin(source.org), rootKid: trust.root.kid, rootPublicKey: trust.root.publicKey };
  } finally {
    await store.close();
  }
}

export async function exportBundle(dataDir: string, org: string, origin: string, out: string) {
  const t0 = performance.now();
  const store = new SqliteEventStore({ file: join(dataDir, 'ledger.db'), synchronous: 'NORMAL' });
  try {
    const orgEvents = (await store.readAll()).map((r) => r.data as EventEnvelope).filter((e) => e.org === org);
    const keyEvents = (await store.readStream(KEY_STREAM)).map((r) => r.data as EventEnvelope);
    const checkpoints: BundleCheckpointLine[] = orgEvents
      .filter((e) => e.type === CHECKPOINT_SIGNED)
      .map((e) => ({ size: (e.data as unknown as CheckpointSignedData).size, eventId: e.id, note: (e.data as unknown as CheckpointSignedData).note }));
    const rootPem = readFileSync(join(dataDir, 'keys', 'root.key.pub'), 'utf8');
    const node = readPrivateKey(nodeKeyFile(dataDir, NODE_ID));
    if (!node) throw new Error(`no node key for ${NODE_ID} in ${dataDir}`);
    const built = buildExportBundle({
      signer: node.signer,
      org,
      origin,
      rootPublicKey: publicKeyFromPem(rootPem),
      createdAt: new Date().toISOString(),
      range: {},
      orgEvents,
      keyEvents,
      checkpoints,
      includePayloads: false,
      payloads: new Map(orgEvents.filter((e) => e.payload).map((e) => [e.id, { state: 'present' as const, content: undefined }])),
    });
    mkdirSync(out, { recursive: true });
    for (const [name, text] of Object.entries(built.files)) writeFileSync(join(out, name), text);
    return { events: built.manifest.counts.events, checkpoints: built.manifest.counts.checkpoints, bytes: Buffer.byteLength(built.files[BUNDLE_FILES.events]), seconds: round((performance.now() - t0) / 1000, 3) };
  } finally {
    await store.close();
  }
}

async function verifyInProcess(dir: string, rootKid: string, events: number) {
  const files = Object.fromEntries(Object.values(BUNDLE_FILES).map((name) => [name, readFileSync(join(dir, name))]));
  const t0 = performance.now();
  const result = await verifyExportBundle(files, { rootFingerprint: rootKid, crypto: nodeBundleCrypto() });
  const seconds = (performance.now() - t0) / 1000;
  if (!result.ok) throw new Error(`verifyExportBundle: ${JSON.stringify(result.failure)}`);
  return { seconds: round(seconds, 3), eventsPerSecond: round(events / seconds, 1) };
}

async function runCli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ stdout: string; wallSeconds: number }> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv };
  delete env.WARDEN_EVENT_STORE;
  const t0 = performance.now();
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('error', reject);
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      resolve({ code: exitCode, stdout: out, stderr: err });
    });
  });
  if (code !== 0) throw new Error(`warden ${args[0]} exited ${code}: ${stdout.slice(0, 500)} ${stderr.slice(0, 500)}`);
  return { stdout, wallSeconds: (performance.now() - t0) / 1000 };
}
