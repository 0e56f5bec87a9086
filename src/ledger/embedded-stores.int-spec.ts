import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStoreUnavailableError, SqliteEventStore } from '@warden/event-store';
import { PayloadStoreUnavailableError, SqlitePayloadStore } from '@warden/payload-store';
import { SqliteDatabase } from '@warden/sqlite';
import { createEd25519Signer, generateEd25519KeyPair } from '@warden/ledger';
import { createPrivateKey } from 'node:crypto';
import { systemClock, uuidV7Ids } from './clock';
import { LedgerWriter } from './ledger-writer';
import { WorkerSignatures } from './signing/worker-signatures';

/**
 * The embedded deployment keeps events and payloads in one SQLite file: what the gateway writes
 * for a call (the payload, then the event that carries its digest, once signed) commits in ONE
 * transaction: the payload waits for its event (by id, for a bounded time). Semantics: if that
 * transaction fails (lock, I/O, a constraint that is not a per-write conflict), both writes fail
 * and neither is stored; a per-write conflict of the event (wrong expected revision, an id
 * already used) fails it and undoes its payload, and no other write; an event that never comes
 * (its append failed before reaching the store) leaves its payload to commit alone after the wait.
 */
describe('event store and payload store sharing one SQLite database', () => {
  let dir: string;
  let file: string;
  let database: SqliteDatabase;
  let events: SqliteEventStore;
  let payloads: SqlitePayloadStore;
  let n = 0;

  const open = (busyTimeoutMs = 5000) => {
    database = new SqliteDatabase(file, { synchronous: 'FULL', busyTimeoutMs });
    events = new SqliteEventStore({ database });
    payloads = new SqlitePayloadStore({ database, masterKey: randomBytes(32) });
  };
  /** What the call recorder does for one call: payload first (digest known at once), then its event, same tick. */
  const recordCall = (eventId = `evt-${++n}`) => {
    const payload = payloads.write('org-1', eventId, { arguments: { text: 'secret' } });
    const event = events.appendToStream('calls-org-1-node-1', [{ id: eventId, type: 'ToolCallDecided', data: { digest: payload.digest } }], {
      expectedRevision: 'any',
    });
    return { eventId, payload: payload.durable, event };
  };
  const withRawDb = <T>(fn: (db: Database.Database) => T): T => {
    const db = new Database(file);
    try {
      return fn(db);
    } finally {
      db.close();
    }
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-embedded-stores-'));
    file = join(dir, 'ledger.db');
  });
  afterEach(async () => {
    await events.close();
    await payloads.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits an event and its payload in the same transaction, in one file', async () => {
    open();
    const before = database.groupCommitStats().batches;
    const call = recordCall();
    await Promise.all([call.payload, call.event]);
    expect(database.groupCommitStats()).toMatchObject({ batches: before + 1 });
    expect(await payloads.get('org-1', call.eventId)).toMatchObject({ status: 'present', content: { arguments: { text: 'secret' } } });
    expect((await events.readAll()).map((e) => e.id)).toEqual([call.eventId]);
    expect(readdirSync(dir).filter((name) => !name.startsWith('ledger.db'))).toEqual([]);
  });

  it.each([
    ['the payload when its event', 'events'],
    ['the event when its payload', 'payloads'],
  ])('fails %s cannot be written in that transaction', async (_what, table) => {
    open();
    withRawDb((db) => db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON ${table} BEGIN SELECT RAISE(ABORT, 'disk says no'); END`));
    const call = recordCall();
    await expect(call.event).rejects.toBeInstanceOf(EventStoreUnavailableError);
    await expect(call.payload).rejects.toBeInstanceOf(PayloadStoreUnavailableError);
    expect(await payloads.get('org-1', call.eventId)).toEqual({ status: 'missing' });
    expect(await events.readAll()).toEqual([]);
  });

  it('keeps each call\'s payload and event together under load, with signatures made on a worker thread', async () => {
    open();
    const pair = generateEd25519KeyPair();
    const signatures = new WorkerSignatures(createEd25519Signer(pair.privateKeyPem).kid, createPrivateKey(pair.privateKeyPem));
    const writer = new LedgerWriter(events, signatures, systemClock, uuidV7Ids);
    const call = async (i: number) => {
      const eventId = writer.newEventId();
      const payload = payloads.write('org-1', eventId, { i });
      const event = writer.append('calls-org-1-node-1', [
        { id: eventId, type: 'ToolCallDecided', org: 'org-1', actor: { kind: 'agent', id: 'a' }, data: { i }, payload: { digest: payload.digest } },
      ]);
      await Promise.allSettled([payload.durable, event]);
      return eventId;
    };
    try {
      await Promise.all(Array.from({ length: 10 }, (_, i) => call(i))); // warm: the worker is up
      // Every 7th event is refused by the database: its whole transaction fails, payloads included.
      withRawDb((db) =>
        db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON events WHEN json_extract(NEW.data, '$.data.i') % 7 = 3
                 BEGIN SELECT RAISE(ABORT, 'refused'); END`),
      );
      const ids = await Promise.all(Array.from({ length: 200 }, (_, i) => call(i)));
      const stored = new Set((await events.readAll()).map((e) => e.id));
      const together = await Promise.all(ids.map(async (id) => stored.has(id) === ((await payloads.get('org-1', id)).status === 'present')));
      expect(together.every(Boolean)).toBe(true);
      expect(ids.some((id) => !stored.has(id))).toBe(true);
    } finally {
      await signatures.close();
    }
  });

  it('fails both, within the busy timeout, while another connection holds the write lock; then recovers', async () => {
    open(50);
    const first = recordCall(); // the org's data key exists before the lock is taken
    await Promise.all([first.payload, first.event]);
    const locker = new Database(file);
    locker.exec('BEGIN IMMEDIATE');
    try {
      const call = recordCall();
      await expect(call.event).rejects.toBeInstanceOf(EventStoreUnavailableError);
      await expect(call.payload).rejects.toBeInstanceOf(PayloadStoreUnavailableError);
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }
    const call = recordCall();
    await expect(Promise.all([call.payload, call.event])).resolves.toBeDefined();
  });

  it('keeps erasure overwriting the ciphertext in the shared file (secure_delete)', async () => {
    open();
    const calls = [1, 2, 3].map(() => recordCall());
    await Promise.all(calls.flatMap((call) => [call.payload, call.event]));
    const { ciphertext } = withRawDb((db) => db.prepare('SELECT ciphertext FROM payloads WHERE event_id = ?').get(calls[1].eventId)) as {
      ciphertext: Buffer;
    };
    withRawDb((db) => db.pragma('wal_checkpoint(TRUNCATE)'));
    expect(readFileSync(file).includes(ciphertext)).toBe(true);
    await payloads.erase('org-1', calls[1].eventId);
    withRawDb((db) => db.pragma('wal_checkpoint(TRUNCATE)'));
    expect(readFileSync(file).includes(ciphertext)).toBe(false);
    expect(await payloads.get('org-1', calls[1].eventId)).toMatchObject({ status: 'erased' });
  });

  it('closing one store leaves the shared database to the other', async () => {
    open();
    await payloads.close();
    await expect(payloads.put('org-1', 'late', { a: 1 })).rejects.toBeInstanceOf(PayloadStoreUnavailableError);
    await expect(events.appendToStream('s', [{ id: 'after', type: 'T', data: {} }], { expectedRevision: 'any' })).resolves.toMatchObject({
      position: 1,
    });
  });
});
