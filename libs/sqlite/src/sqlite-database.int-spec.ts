import { mkdtempSync, rmSync } from 'node:fs';
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

  it('tells its rollback listeners of a transaction that failed, and only of that one', async () => {
    let rolledBack = 0;
    let committed = 0;
    database.onRollback(() => (rolledBack += 1));
    database.onCommit(() => (committed += 1));
    await database.submit(insert('a'));
    await Promise.allSettled([database.submit(insert('b')), database.submit(insert('a'))]);
    expect({ rolledBack, committed }).toEqual({ rolledBack: 1, committed: 1 });
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
});
