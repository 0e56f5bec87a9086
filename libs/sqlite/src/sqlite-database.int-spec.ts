import { fstatSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertSchema, migrateSchema } from './schema-migrations';
import { SqliteDatabase, SqliteWriteError } from './sqlite-database';

describe('SqliteDatabase on a real file', () => {
  let dir: string;
  let database: SqliteDatabase;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-sqlite-'));
    database = new SqliteDatabase(join(dir, 'shared.db'));
    database.connection.exec('CREATE TABLE t (v TEXT NOT NULL UNIQUE)');
  });
  afterEach(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const insert = (v: string) => () => {
    database.connection.prepare('INSERT INTO t (v) VALUES (?)').run(v);
    return { ok: true as const, value: v };
  };
  const rows = () => (database.connection.prepare('SELECT v FROM t ORDER BY v').all() as Array<{ v: string }>).map((r) => r.v);

  it('commits the writes of one tick, from any submitter, in one transaction, and tells its listeners once', async () => {
    let told = 0;
    database.onCommit(() => (told += 1));
    await Promise.all([database.submit(insert('a')), database.submit(insert('b')), database.submit(insert('c'))]);
    expect(rows()).toEqual(['a', 'b', 'c']);
    expect(database.groupCommitStats()).toMatchObject({ batches: 1, requests: 3 });
    expect(told).toBe(1);
  });

  it('fails every write of a transaction with SqliteWriteError when one throws, writing nothing', async () => {
    await database.submit(insert('a'));
    const results = await Promise.allSettled([database.submit(insert('b')), database.submit(insert('a'))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(SqliteWriteError);
    expect(rows()).toEqual(['a']);
  });

  it('tells its transaction listeners of every transaction, committed or not, and its commit listeners of the committed only', async () => {
    const ended: boolean[] = [];
    let committed = 0;
    database.onTransactionEnd((ok) => ended.push(ok));
    database.onCommit(() => (committed += 1));
    await database.submit(insert('a'));
    await Promise.allSettled([database.submit(insert('b')), database.submit(insert('a'))]);
    expect({ ended, committed }).toEqual({ ended: [true, false], committed: 1 });
  });

  it('does not fail a committed transaction because a listener throws', async () => {
    database.onCommit(() => {
      throw new Error('listener bug');
    });
    await expect(database.submit(insert('a'))).resolves.toBe('a');
  });

  it('commits what is queued on close, then refuses writes', async () => {
    const queued = database.submit(insert('a'));
    const closing = database.close();
    await expect(queued).resolves.toBe('a');
    await closing;
    await expect(database.submit(insert('b'))).rejects.toBeInstanceOf(SqliteWriteError);
    database = new SqliteDatabase(join(dir, 'shared.db')); // for afterEach
  });

  it('holds a write submitted before its partner and commits both in one transaction, partner last', async () => {
    const order: string[] = [];
    const write = (v: string) => () => {
      order.push(v);
      return insert(v)();
    };
    const early = database.submitBefore('k', write('payload'));
    for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve)); // the partner is being signed
    expect(rows()).toEqual([]);
    const before = database.groupCommitStats().batches;
    await Promise.all([early, database.submit(write('event'), ['k'])]);
    expect(order).toEqual(['payload', 'event']);
    expect(database.groupCommitStats().batches).toBe(before + 1);
  });

  it('fails a held write with its partner', async () => {
    await database.submit(insert('event'));
    const early = database.submitBefore('k', insert('payload'));
    const partner = database.submit(insert('event'), ['k']); // duplicate: the transaction fails
    await expect(early).rejects.toBeInstanceOf(SqliteWriteError);
    await expect(partner).rejects.toBeInstanceOf(SqliteWriteError);
    expect(rows()).toEqual(['event']);
  });

  it('undoes a held write whose partner fails on its own (a conflict), and only it', async () => {
    const conflict = new Error('wrong expected revision');
    const refused = () => ({ ok: false as const, error: conflict });
    const early = database.submitBefore('k', insert('payload'));
    const results = await Promise.allSettled([database.submit(insert('neighbour')), database.submit(refused, ['k']), early]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect((results[1] as PromiseRejectedResult).reason).toBe(conflict);
    expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(SqliteWriteError);
    expect(rows()).toEqual(['neighbour']);
  });

  it('commits a held write alone when its partner does not come in time, or on flush', async () => {
    await database.close();
    database = new SqliteDatabase(join(dir, 'shared.db'), { maxPartnerWaitMs: 20 });
    const started = performance.now();
    await expect(database.submitBefore('nobody', insert('alone'))).resolves.toBe('alone');
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
    const held = database.submitBefore('nobody-either', insert('flushed'));
    await database.flushed();
    await expect(held).resolves.toBe('flushed');
    expect(rows()).toEqual(['alone', 'flushed']);
  });

  it('versions the schema of each component sharing the file on its own', () => {
    const db = database.connection;
    migrateSchema(db, 'one', ['CREATE TABLE one_a (x)', 'CREATE TABLE one_b (x)']);
    migrateSchema(db, 'two', ['CREATE TABLE two_a (x)']);
    migrateSchema(db, 'one', ['CREATE TABLE one_a (x)', 'CREATE TABLE one_b (x)']); // idempotent
    expect(() => assertSchema(db, 'one', ['1', '2'])).not.toThrow();
    expect(() => assertSchema(db, 'two', ['1', '2'])).toThrow(/version 1, this build needs 2/);
    expect(() => migrateSchema(db, 'one', ['only one'])).toThrow(/newer than this build/);
  });

  describe('durability under FULL: warden syncs the WAL', () => {
    const turns = async (n: number) => {
      for (let i = 0; i < n; i += 1) await new Promise((resolve) => setImmediate(resolve));
    };
    const reopen = async (options: ConstructorParameters<typeof SqliteDatabase>[1]) => {
      await database.close();
      database = new SqliteDatabase(join(dir, 'shared.db'), options);
    };

    it('syncs the WAL file itself after a transaction with an immediate write, before the write resolves', async () => {
      const synced: number[] = [];
      let resolvedBeforeSync = false;
      await reopen({ syncFile: (fd) => void synced.push(fstatSync(fd).ino) });
      database.onCommit(() => (resolvedBeforeSync = synced.length === 0));
      await database.submit(insert('a'));
      expect(synced).toEqual([statSync(join(dir, 'shared.db-wal')).ino]);
      expect(resolvedBeforeSync).toBe(false);
      await database.submit(insert('b'));
      expect(synced).toHaveLength(2);
    });

    it('holds a deferred write back until the next immediate write, and commits both in its transaction, deferred first', async () => {
      let syncs = 0;
      let told = 0;
      await reopen({ syncFile: () => void (syncs += 1), maxDeferMs: 60_000 });
      database.onCommit(() => (told += 1));
      const before = database.groupCommitStats().batches;
      let deferredDone = false;
      const deferred = database.submit(insert('outcome'), [], 'deferred').then((v) => ((deferredDone = true), v));
      await turns(10);
      expect(rows()).toEqual([]); // not written yet
      expect({ deferredDone, syncs, told }).toEqual({ deferredDone: false, syncs: 0, told: 0 });
      const order: string[][] = [];
      const byRowid = () => (database.connection.prepare('SELECT v FROM t ORDER BY rowid').all() as Array<{ v: string }>).map((r) => r.v);
      database.onTransactionEnd(() => order.push(byRowid()));
      await expect(database.submit(insert('decision'))).resolves.toBe('decision');
      await expect(deferred).resolves.toBe('outcome');
      expect(order).toEqual([['outcome', 'decision']]); // one transaction, the deferred write first
      expect({ batches: database.groupCommitStats().batches - before, syncs, told }).toEqual({ batches: 1, syncs: 1, told: 1 });
    });

    it('commits a deferred write on its own within maxDeferMs when no immediate write comes, and at once on flush or close', async () => {
      let syncs = 0;
      await reopen({ syncFile: () => void (syncs += 1), maxDeferMs: 20 });
      const started = performance.now();
      await expect(database.submit(insert('a'), [], 'deferred')).resolves.toBe('a');
      expect(performance.now() - started).toBeGreaterThanOrEqual(15);
      expect(syncs).toBe(1);
      await reopen({ syncFile: () => void (syncs += 1), maxDeferMs: 60_000 });
      const flushedWrite = database.submit(insert('b'), [], 'deferred');
      await database.flushed();
      await expect(flushedWrite).resolves.toBe('b');
      const closedWrite = database.submit(insert('c'), [], 'deferred');
      await database.close();
      await expect(closedWrite).resolves.toBe('c');
      expect(syncs).toBe(3);
      database = new SqliteDatabase(join(dir, 'shared.db')); // for afterEach
    });

    it('syncs nothing for a transaction that wrote nothing, nor under NORMAL', async () => {
      let syncs = 0;
      await reopen({ syncFile: () => void (syncs += 1) });
      await expect(database.submit(() => ({ ok: false as const, error: new Error('refused') }))).rejects.toThrow('refused');
      expect(syncs).toBe(0);
      await reopen({ synchronous: 'NORMAL', syncFile: () => void (syncs += 1) });
      await database.submit(insert('a'));
      await database.submit(insert('b'), [], 'deferred');
      expect(syncs).toBe(0);
    });

    it('fails every write of a transaction whose WAL sync failed, and every later write', async () => {
      const eio = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
      await reopen({ syncFile: () => { throw eio; }, maxDeferMs: 60_000 });
      let told = 0;
      database.onCommit(() => (told += 1));
      const deferred = database.submit(insert('outcome'), [], 'deferred').catch((error: unknown) => error);
      await turns(5);
      const failed = await database.submit(insert('decision')).catch((error: unknown) => error); // the outcome goes in its transaction
      expect(failed).toBeInstanceOf(SqliteWriteError);
      expect((failed as Error).message).toMatch(/could not be synced \(EIO: i\/o error, fdatasync\): this database accepts no more writes/);
      await expect(deferred).resolves.toBe(failed);
      await expect(database.submit(insert('later'))).rejects.toBe(failed);
      expect(told).toBe(0);
    });
  });
});
