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
