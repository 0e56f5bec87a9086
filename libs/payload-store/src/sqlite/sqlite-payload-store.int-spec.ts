import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { payloadDigest } from '@warden/ledger';
import {
  MasterKeyMismatchError,
  PayloadAlreadyStoredError,
  PayloadIntegrityError,
  PayloadStoreUnavailableError,
} from '../payload-store.errors';
import { SqlitePayloadStore, type SqlitePayloadStoreOptions } from './sqlite-payload-store';

interface RawRow {
  event_id: string;
  org: string;
  salt: Buffer | null;
  iv: Buffer | null;
  ciphertext: Buffer | null;
  tag: Buffer | null;
  digest: string;
  erased_at: string | null;
}

describe('SqlitePayloadStore on a real file', () => {
  let dir: string;
  let file: string;
  let masterKey: Buffer;
  const open: SqlitePayloadStore[] = [];
  const openStore = (options: Partial<SqlitePayloadStoreOptions> = {}) => {
    const store = new SqlitePayloadStore({ file, masterKey, ...options });
    open.push(store);
    return store;
  };
  /** A second connection, as an attacker with file access (or a fault) would have. */
  const withRawDb = <T>(fn: (db: Database.Database) => T): T => {
    const db = new Database(file);
    try {
      return fn(db);
    } finally {
      db.close();
    }
  };
  const rawRow = (eventId: string) =>
    withRawDb((db) => db.prepare('SELECT * FROM payloads WHERE event_id = ?').get(eventId) as RawRow | undefined);
  /** Every byte SQLite keeps for this store: the database, its WAL and shared-memory files. */
  const bytesOnDisk = () =>
    Buffer.concat(readdirSync(dir).filter((name) => name.startsWith('payloads.db')).map((name) => readFileSync(join(dir, name))));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-payload-store-'));
    file = join(dir, 'payloads.db');
    masterKey = randomBytes(32);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((store) => store.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips content and returns the salted digest, with its salt (an export with payloads hands it out)', async () => {
    const store = openStore();
    const content = { arguments: { path: '/etc/hosts', lines: [1, 2, 3] }, note: 'héllo' };
    const { digest } = await store.put('org-1', 'evt-1', content);

    const row = rawRow('evt-1')!;
    expect(await store.get('org-1', 'evt-1')).toEqual({ status: 'present', content, digest, salt: Uint8Array.from(row.salt!) });
    expect(row.salt).toHaveLength(16);
    expect(digest).toBe(payloadDigest(row.salt!, content));
  });

  it('write() knows the digest before the commit, and the commit stores exactly it', async () => {
    const store = openStore();
    const content = { arguments: { q: 'x' } };
    const pending = store.write('org-1', 'evt-w', content);
    expect(rawRow('evt-w')).toBeUndefined();
    await pending.durable;
    expect(await store.get('org-1', 'evt-w')).toEqual({ status: 'present', content, digest: pending.digest, salt: expect.any(Uint8Array) });
    const again = store.write('org-1', 'evt-w', content);
    await expect(again.durable).rejects.toThrow();
  });

  it('keeps no plaintext on disk', async () => {
    const secret = 'sk-live-CANARY-7f3a9c2e41d8b6';
    const store = openStore();
    await store.put('org-1', 'evt-1', { apiKey: secret });
    await store.close();

    const disk = bytesOnDisk();
    expect(disk.length).toBeGreaterThan(0);
    expect(disk.includes(Buffer.from(secret, 'utf8'))).toBe(false);
    expect(disk.includes(Buffer.from('CANARY', 'utf8'))).toBe(false);
  });

  it('refuses to open with another master key', async () => {
    const store = openStore();
    await store.put('org-1', 'evt-1', { a: 1 });
    await store.close();

    expect(() => openStore({ masterKey: randomBytes(32) })).toThrow(MasterKeyMismatchError);
    expect(() => openStore({ masterKey: randomBytes(16) })).toThrow(RangeError);
    await expect(openStore().get('org-1', 'evt-1')).resolves.toMatchObject({ status: 'present', content: { a: 1 } });
  });

  it('detects a tampered ciphertext', async () => {
    const store = openStore();
    await store.put('org-1', 'evt-1', { a: 'some content' });
    withRawDb((db) => {
      const { ciphertext } = db.prepare('SELECT ciphertext FROM payloads WHERE event_id = ?').get('evt-1') as { ciphertext: Buffer };
      ciphertext[0] ^= 0x01;
      db.prepare('UPDATE payloads SET ciphertext = ? WHERE event_id = ?').run(ciphertext, 'evt-1');
    });
    await expect(store.get('org-1', 'evt-1')).rejects.toBeInstanceOf(PayloadIntegrityError);
  });

  it('detects a digest that does not match the content', async () => {
    const store = openStore();
    await store.put('org-1', 'evt-1', { a: 1 });
    withRawDb((db) => db.prepare('UPDATE payloads SET digest = ? WHERE event_id = ?').run('0'.repeat(64), 'evt-1'));
    await expect(store.get('org-1', 'evt-1')).rejects.toThrow(/digest mismatch/);
  });

  it('binds a ciphertext to its event id (AAD): moved to another event, it does not decrypt', async () => {
    const store = openStore();
    await store.put('org-1', 'evt-1', { a: 'moved' });
    withRawDb((db) =>
      db
        .prepare(
          `INSERT INTO payloads (event_id, org, salt, iv, ciphertext, tag, digest)
           SELECT 'evt-2', org, salt, iv, ciphertext, tag, digest FROM payloads WHERE event_id = 'evt-1'`,
        )
        .run(),
    );
    await expect(store.get('org-1', 'evt-2')).rejects.toBeInstanceOf(PayloadIntegrityError);
  });

  it("binds a wrapped data key to its org: another org's wrapped key does not unwrap", async () => {
    const store = openStore();
    await store.put('org-1', 'evt-1', { a: 1 });
    await store.put('org-2', 'evt-2', { b: 2 });
    await store.close();
    withRawDb((db) =>
      db.prepare(`UPDATE org_keys SET wrapped = (SELECT wrapped FROM org_keys WHERE org = 'org-1') WHERE org = 'org-2'`).run(),
    );
    await expect(openStore().get('org-2', 'evt-2')).rejects.toBeInstanceOf(MasterKeyMismatchError);
  });

  it("answers 'missing' for another org's payload and does not erase it", async () => {
    const store = openStore();
    await store.put('org-1', 'evt-1', { a: 1 });
    expect(await store.get('org-2', 'evt-1')).toEqual({ status: 'missing' });
    expect(await store.get('org-1', 'no-such-event')).toEqual({ status: 'missing' });
    await store.erase('org-2', 'evt-1');
    expect(await store.get('org-1', 'evt-1')).toMatchObject({ status: 'present' });
  });

  it('lists an org\u2019s present payloads whose ids sort before a bound, oldest first, not erased ones nor another org\u2019s', async () => {
    const store = openStore();
    const ids = ['0190a000-0000-7000-8000-000000000001', '0190a000-0001-7000-8000-000000000002', '0190b000-0000-7000-8000-000000000003', '0190c000-0000-7000-8000-000000000004'];
    for (const id of [ids[2], ids[0], ids[3], ids[1]]) await store.put('org-1', id, { id });
    await store.put('org-2', '0190a000-0000-7000-8000-0000000000ff', { other: true });
    await store.erase('org-1', ids[1]);
    const bound = '0190c000-0000-0000-0000-000000000000';
    expect(await store.presentBefore('org-1', bound, 10)).toEqual([ids[0], ids[2]]);
    expect(await store.presentBefore('org-1', bound, 1)).toEqual([ids[0]]);
    expect(await store.presentBefore('org-3', bound, 10)).toEqual([]);
  });

  it('erases ciphertext and salt, keeps the digest and a tombstone, idempotently', async () => {
    const times = [new Date('2026-11-25T10:00:00.000Z'), new Date('2026-11-26T10:00:00.000Z')];
    const store = openStore({ now: () => times[0] });
    const { digest } = await store.put('org-1', 'evt-1', { a: 1 });
    await store.erase('org-1', 'evt-1');
    times.shift();
    await store.erase('org-1', 'evt-1');

    expect(await store.get('org-1', 'evt-1')).toEqual({ status: 'erased', erasedAt: '2026-11-25T10:00:00.000Z' });
    expect(rawRow('evt-1')).toMatchObject({ salt: null, iv: null, ciphertext: null, tag: null, digest });
    await expect(store.put('org-1', 'evt-1', { a: 2 })).rejects.toBeInstanceOf(PayloadAlreadyStoredError);
  });

  it('overwrites the erased ciphertext in the database file (secure_delete)', async () => {
    const store = openStore();
    await Promise.all([1, 2, 3, 4, 5].map((i) => store.put('org-1', `evt-${i}`, { a: 'x'.repeat(1000), i })));
    const { ciphertext } = rawRow('evt-3')!; // a row between neighbours on the same page
    withRawDb((db) => db.pragma('wal_checkpoint(TRUNCATE)'));
    expect(readFileSync(file).includes(ciphertext!)).toBe(true); // the probe can see it while stored
    await store.erase('org-1', 'evt-3');
    withRawDb((db) => db.pragma('wal_checkpoint(TRUNCATE)'));
    expect(readFileSync(file).includes(ciphertext!)).toBe(false);
  });

  it('commits concurrent puts in a few transactions; a duplicate fails alone', async () => {
    const store = openStore();
    await store.put('org-1', 'taken', { a: 0 });
    const results = await Promise.allSettled([
      ...Array.from({ length: 100 }, (_, i) => store.put(`org-${i % 3}`, `evt-${i}`, { i })),
      store.put('org-1', 'taken', { a: 1 }),
    ]);

    expect(results.slice(0, 100).every((r) => r.status === 'fulfilled')).toBe(true);
    expect((results[100] as PromiseRejectedResult).reason).toBeInstanceOf(PayloadAlreadyStoredError);
    const stats = store.groupCommitStats();
    expect(stats.requests).toBe(102);
    expect(stats.batches).toBeLessThanOrEqual(6);
    expect(await store.get('org-2', 'evt-98')).toMatchObject({ status: 'present', content: { i: 98 } });
  });

  it('rejects content with no JSON form before writing anything', async () => {
    const store = openStore();
    await expect(store.put('org-1', 'evt-1', undefined)).rejects.toThrow();
    await expect(store.put('org-1', 'evt-1', { n: Number.NaN })).rejects.toThrow();
    expect(await store.get('org-1', 'evt-1')).toEqual({ status: 'missing' });
    expect(store.groupCommitStats().requests).toBe(0);
  });

  it('rejects every call after close with PayloadStoreUnavailableError', async () => {
    const store = openStore();
    await store.close();
    await expect(store.put('org-1', 'evt-1', { a: 1 })).rejects.toBeInstanceOf(PayloadStoreUnavailableError);
    await expect(store.get('org-1', 'evt-1')).rejects.toBeInstanceOf(PayloadStoreUnavailableError);
    await expect(store.erase('org-1', 'evt-1')).rejects.toBeInstanceOf(PayloadStoreUnavailableError);
  });
});
