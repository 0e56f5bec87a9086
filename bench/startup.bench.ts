import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@warden/event-store';
import { startGateway } from '../src/bootstrap';
import { loadConfig } from '../src/config/warden-config';
import { verifyLedger } from '../src/cli/verify-ledger';
import { systemClock, uuidV7Ids } from '../src/ledger/clock';
import { nodeKeyFile, readPrivateKey, readRootPublicKey, rootPublicKeyFile } from '../src/ledger/key-files';
import { LedgerIntegrity } from '../src/ledger/ledger-integrity';
import { LedgerWriter } from '../src/ledger/ledger-writer';
import type { BenchOptions } from './support/bench-options';
import { decidedEvents } from './support/ledger-events';
import { environment, type BenchReport, type Table } from './support/report';
import { median, round } from './support/stats';

/**
 * (d) What start-up verification costs (Ledger trust issue, item 1). A real gateway registers a
 * server and AGENTS agents through its API (the read-model streams), then tool-call events are
 * appended to its calls stream with its node key, up to each size. At each size the gateway is
 * started three times (median, in this process, logger off): every read-model event is verified
 * before it is applied (hash, signature, chain, row), the tool-call streams included (limits, trust
 * and reviews project them). Beside it, in the same run: the time a
 * FULL verification of the same ledger takes (`verifyLedger`, 2 worker threads), i.e. what start-up
 * would cost if it replayed every stream.
 */
export const STARTUP_BENCH = 'startup';

const AGENTS = 1_000;

export async function runStartupBench(options: BenchOptions): Promise<BenchReport> {
  const started = performance.now();
  const sizes = options.quick ? [0, 10_000] : options.long ? [0, 100_000, 1_000_000] : [0, 100_000];
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-bench-startup-'));
  const env = { WARDEN_DATA_DIR: dataDir, WARDEN_PORT: '0', WARDEN_SQLITE_SYNCHRONOUS: 'NORMAL', WARDEN_LOG_LEVEL: 'error' };
  try {
    options.log(`startup: a gateway with ${AGENTS.toLocaleString('en-US')} agents registered through its API`);
    const orgId = await registerReadModelEvents(env);
    const rows: Array<Array<string | number>> = [];
    const figures: unknown[] = [];
    let written = 0;
    for (const size of sizes) {
      if (size > written) {
        options.log(`startup: appending tool-call events up to ${size.toLocaleString('en-US')}`);
        await appendCalls(dataDir, orgId, size - written);
        written = size;
      }
      const starts: number[] = [];
      let integrity = { verifiedEvents: 0, verifyMs: 0 };
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        const gateway = await startGateway(loadConfig(env), { logger: false });
        starts.push(performance.now() - t0);
        integrity = gateway.app.get(LedgerIntegrity).health();
        await gateway.close();
      }
      options.log(`startup: full verification of the same ledger (2 workers)`);
      const full = await fullVerify(dataDir);
      const startMs = round(median(starts), 0);
      rows.push([size, startMs, integrity.verifiedEvents, integrity.verifyMs, round(full.seconds, 2), full.events, Math.round(full.events / full.seconds)]);
      figures.push({ callEvents: size, startMs: starts.map((s) => round(s, 0)), integrity, fullVerify: full });
    }
    const table: Table = {
      title: `gateway start-up with ${AGENTS.toLocaleString('en-US')} agents (read-model events verified at start) vs a full verification`,
      columns: ['tool-call events', 'start ms (median of 3)', 'events verified at start', 'verify ms at start', 'full verify s', 'full verify events', 'full verify events/s'],
      rows,
    };
    return {
      bench: STARTUP_BENCH,
      startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
      seconds: round((performance.now() - started) / 1000, 1),
      environment: environment(),
      parameters: { agents: AGENTS, sizes, synchronous: 'NORMAL' },
      figures,
      tables: [table],
      targets: [],
      notes: [
        'start ms: startGateway() until it listens, in this process; the read models replay from position 0 and verify every event they apply',
        'the tool-call streams are replayed and verified at start (limits, trust, reviews read them): verify ms grows with the calls',
        'full verify: what start-up would cost if it checked every stream (the CLI `warden verify`); signed checkpoints will let both start from the last checkpoint',
      ],
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
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
