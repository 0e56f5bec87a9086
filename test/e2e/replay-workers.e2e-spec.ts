import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@warden/event-store';
import { decidedEvents } from '../../bench/support/ledger-events';
import { REPO_ROOT, tamper } from './support/tamper';

/**
 * The read models' catch-up at start with its hashes and signatures checked on real worker
 * threads: the compiled gateway (dist/, where the worker file exists; under jest's TypeScript the
 * checker falls back to the event loop), over several pages of tool-call events.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dist = (path: string) => require(join(REPO_ROOT, 'dist', path));
const { startGateway } = dist('src/bootstrap');
const { loadConfig } = dist('src/config/warden-config');
const { LedgerIntegrity } = dist('src/ledger/ledger-integrity');
const { ReadModelProjector } = dist('src/ledger/read-model-projector');
const { LedgerWriter } = dist('src/ledger/ledger-writer');
const { nodeKeyFile, readPrivateKey } = dist('src/ledger/key-files');
const { systemClock, uuidV7Ids } = dist('src/ledger/clock');
const { eventCheckerFor } = dist('src/ledger/event-checkers');

const CALLS = 5_000; // two and a half pages of the catch-up

describe('the catch-up at start, verified on worker threads', () => {
  let dataDir: string;
  const env = (workers: number) => ({ WARDEN_DATA_DIR: dataDir, WARDEN_PORT: '0', WARDEN_SNAPSHOTS: 'off', WARDEN_REPLAY_WORKERS: String(workers), WARDEN_LOG_LEVEL: 'error', WARDEN_SQLITE_SYNCHRONOUS: 'NORMAL' });
  const startWith = async (workers: number) => {
    const gateway = await startGateway(loadConfig(env(workers)), { logger: false });
    try {
      return { verified: gateway.app.get(LedgerIntegrity).health().verifiedEvents, states: Object.fromEntries(gateway.app.get(ReadModelProjector).capture().states) };
    } finally {
      await gateway.close();
    }
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'warden-replay-workers-'));
    const gateway = await startGateway(loadConfig(env(0)), { logger: false });
    const orgId = gateway.bootstrap.orgId;
    await gateway.close();
    const store = new SqliteEventStore({ file: join(dataDir, 'ledger.db'), synchronous: 'NORMAL' });
    try {
      const writer = new LedgerWriter(store, readPrivateKey(nodeKeyFile(dataDir, 'node-1')).signer, systemClock, uuidV7Ids);
      const source = decidedEvents(orgId);
      for (let i = 0; i < CALLS; i += 250) await writer.append(`calls-${orgId}-node-1`, Array.from({ length: 250 }, () => source.next(writer.newEventId())));
    } finally {
      await store.close();
    }
  }, 60_000);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('uses worker threads in the compiled gateway', () => {
    const checker = eventCheckerFor({ rootKid: 'x', keys: new Map(), invalidRevocations: new Map() }, 2);
    expect(checker.constructor.name).toBe('WorkerEventChecker');
    return checker.close();
  });

  it('builds the same read models from the same events as the check on the event loop', async () => {
    const onWorkers = await startWith(2);
    const onLoop = await startWith(0);
    expect(onWorkers.verified).toBeGreaterThan(CALLS);
    expect(onWorkers.verified).toBe(onLoop.verified);
    expect(onWorkers.states).toEqual(onLoop.states);
  }, 60_000);

  it('stops the start at an edited call row in the middle of a page, naming it', async () => {
    const edited = tamper(dataDir, (db, rows) => {
      const row = rows.filter((r) => r.type === 'ToolCallDecided')[3_000];
      row.env.data.decision = 'deny';
      db.prepare('UPDATE events SET data = ? WHERE position = ?').run(JSON.stringify(row.env), row.position);
      return row;
    });
    await expect(startWith(2)).rejects.toThrow(new RegExp(`read-model replay: the ledger event at position ${edited.position} \\(id ${edited.id}, ${edited.stream}@\\d+\\) does not verify: HASH_MISMATCH`));
  }, 60_000);
});
