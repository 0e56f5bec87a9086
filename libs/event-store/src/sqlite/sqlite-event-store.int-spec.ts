import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuplicateEventIdError, EventStoreUnavailableError, WrongExpectedRevisionError } from '../event-store.errors';
import type { EventToAppend, RecordedEvent } from '../event-store.port';
import { SqliteDatabase } from '@warden/sqlite';
import { SqliteEventStore } from './sqlite-event-store';

describe('SqliteEventStore on a real file', () => {
  let dir: string;
  let file: string;
  const open: SqliteEventStore[] = [];
  let n = 0;
  const event = (data: unknown = { n }): EventToAppend => ({ id: `e-${++n}`, type: 'Happened', data });
  const openStore = (options: Partial<ConstructorParameters<typeof SqliteEventStore>[0]> = {}) => {
    const store = new SqliteEventStore({ file, ...options });
    open.push(store);
    return store;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-sqlite-event-store-'));
    file = join(dir, 'ledger.db');
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((store) => store.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits 100 concurrent appends in far fewer than 100 transactions', async () => {
    const store = openStore();
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => store.appendToStream(`calls-o-${i}`, [event()], { expectedRevision: 'no_stream' })),
    );
    const stats = store.groupCommitStats();
    expect(stats.requests).toBe(100);
    expect(stats.batches).toBeLessThanOrEqual(5);
    expect(stats.largestBatch).toBeGreaterThanOrEqual(20);
  });

  it('serves live subscribers woken by its own commit from the rows it wrote (no read of the log), one decoded object per row', async () => {
    const store = openStore();
    await store.appendToStream('s', [event()], { expectedRevision: 'no_stream' });
    await new Promise((r) => setImmediate(r)); // its wake-up (one turn after the commit) comes before the subscriptions
    const statement = (store as unknown as { log: { selectAfter: { all: (...args: unknown[]) => unknown } } }).log.selectAfter;
    const seen: Record<string, RecordedEvent[]> = { a: [], b: [] };
    const subscribe = (name: 'a' | 'b') => store.subscribeToAll({ fromPosition: 0 }, (e: RecordedEvent) => void seen[name].push(e));
    const subscriptions = [subscribe('a'), subscribe('b')];
    await Promise.all(subscriptions.map((s) => s.caughtUp));
    const reads = jest.spyOn(statement, 'all');
    const settle = async (positions: number[]) => {
      for (let i = 0; i < 50 && !(seen.a.length === positions.length && seen.b.length === positions.length); i += 1) await new Promise((r) => setTimeout(r, 5));
      expect({ a: seen.a.map((e) => e.position), b: seen.b.map((e) => e.position) }).toEqual({ a: positions, b: positions });
    };
    await store.appendToStream('s', [event({ k: 'two' })], { expectedRevision: 0 });
    await settle([1, 2]);
    await store.appendToStream('s', [event(), event()], { expectedRevision: 1 });
    await settle([1, 2, 3, 4]);
    expect(reads).not.toHaveBeenCalled();
    expect(seen.a[1]).toBe(seen.b[1]);
    expect(seen.a[1]).toMatchObject({ stream: 's', revision: 1, position: 2, data: { k: 'two' } });
    expect(await store.readAll()).toEqual(seen.a); // what the log holds
    await Promise.all(subscriptions.map((s) => s.close()));
  });

  it('lets the appender go on before it wakes live subscribers (a call is forwarded before read models run), and wakes them once per turn', async () => {
    const store = openStore({ maxBatchSize: 1 });
    const order: string[] = [];
    const handled: number[] = [];
    const subscription = store.subscribeToAll({ fromPosition: 0 }, (e: RecordedEvent) => {
      order.push(`handler ${e.position}`);
      handled.push(e.position);
    });
    await subscription.caughtUp;
    await store.appendToStream('s', [event()], { expectedRevision: 'no_stream' }).then(() => order.push('appender 1'));
    // Two commits in one turn (one write per transaction here): the subscriber is woken once, after both.
    const reads = jest.spyOn((store as unknown as { log: { readPage: (...args: unknown[]) => unknown } }).log, 'readPage');
    await new Promise((r) => setImmediate(r));
    reads.mockClear();
    await Promise.all([
      store.appendToStream('t', [event()], { expectedRevision: 'no_stream' }).then(() => order.push('appender 2')),
      store.appendToStream('u', [event()], { expectedRevision: 'no_stream' }).then(() => order.push('appender 3')),
    ]);
    for (let i = 0; i < 50 && handled.length < 3; i += 1) await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual(['appender 1', 'handler 1', 'appender 2', 'appender 3', 'handler 2', 'handler 3']);
    expect(reads).toHaveBeenCalledTimes(1); // one page with both events, which reached the head
    await subscription.close();
  });

  it('reads the log when another connection appended in between, and never delivers what a failed transaction wrote', async () => {
    const database = new SqliteDatabase(file);
    const store = openStore({ database });
    const seen: Array<[string, number, unknown]> = [];
    const subscription = store.subscribeToAll({ fromPosition: 0 }, (e: RecordedEvent) => void seen.push([e.stream, e.position, e.data]));
    await subscription.caughtUp;
    const settle = async (count: number) => {
      for (let i = 0; i < 50 && seen.length < count; i += 1) await new Promise((r) => setTimeout(r, 5));
    };
    await store.appendToStream('s', [event()], { expectedRevision: 'no_stream' });
    await settle(1);
    // A failed transaction: the append's rows were written, then another write of the batch failed.
    const failed = await Promise.allSettled([
      store.appendToStream('s', [event({ phantom: true })], { expectedRevision: 0 }),
      database.submit(() => {
        throw new Error('disk trouble');
      }),
    ]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    const other = openStore(); // another connection on the same file
    await other.appendToStream('elsewhere', [event()], { expectedRevision: 'no_stream' });
    await store.appendToStream('s', [event({ after: true })], { expectedRevision: 0 });
    await settle(3);
    const logged = (await store.readAll()).map((e) => [e.stream, e.position, e.data]);
    expect(logged).toEqual([
      ['s', 1, { n: expect.any(Number) }],
      ['elsewhere', 2, { n: expect.any(Number) }],
      ['s', 3, { after: true }],
    ]);
    expect(seen).toEqual(logged);
    await subscription.close();
    await store.close();
    await database.close();
  });

  it('commits a deferred append in the transaction of the next immediate one, and delivers both from memory', async () => {
    let syncs = 0;
    const database = new SqliteDatabase(file, { syncFile: () => void (syncs += 1), maxDeferMs: 60_000 });
    const store = openStore({ database });
    const seen: Array<[number, unknown]> = [];
    const subscription = store.subscribeToAll({ fromPosition: 0 }, (e: RecordedEvent) => void seen.push([e.position, e.data]));
    await subscription.caughtUp;
    const statement = (store as unknown as { log: { selectAfter: { all: (...args: unknown[]) => unknown } } }).log.selectAfter;
    const reads = jest.spyOn(statement, 'all');
    const before = store.groupCommitStats().batches;
    const outcome = store.appendToStream('s', [event({ outcome: true })], { expectedRevision: 'no_stream', durability: 'deferred' });
    for (let i = 0; i < 10; i += 1) await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([]);
    expect(await store.streamRevision('s')).toBe(-1); // waiting, not written
    await store.appendToStream('s', [event({ decision: true })], { expectedRevision: 0 });
    await outcome;
    for (let i = 0; i < 50 && seen.length < 2; i += 1) await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual([
      [1, { outcome: true }],
      [2, { decision: true }],
    ]);
    expect(reads).not.toHaveBeenCalled(); // both rows served from what this connection wrote
    expect({ batches: store.groupCommitStats().batches - before, syncs }).toEqual({ batches: 1, syncs: 1 });
    await subscription.close();
    await store.close();
    await database.close();
  });

  it('checks each append of a batch against the appends before it in the same batch', async () => {
    const store = openStore();
    const results = await Promise.allSettled([
      store.appendToStream('s', [event()], { expectedRevision: 'no_stream' }),
      store.appendToStream('s', [event()], { expectedRevision: 0 }),
      store.appendToStream('s', [event()], { expectedRevision: 0 }), // stale: s is at 1 by now
      store.appendToStream('s', [event()], { expectedRevision: 1 }),
    ]);
    expect(store.groupCommitStats().batches).toBe(1);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
    expect((await store.readStream('s')).map((e) => e.revision)).toEqual([0, 1, 2]);
  });

  it('keeps global positions dense (1, 2, 3, …) even when appends of a batch are rolled back', async () => {
    const store = openStore();
    await Promise.allSettled([
      store.appendToStream('a', [event(), event()], { expectedRevision: 'any' }),
      store.appendToStream('b', [event(), event()], { expectedRevision: 3 }),
      store.appendToStream('c', [event()], { expectedRevision: 'any' }),
    ]);
    await store.appendToStream('d', [event()], { expectedRevision: 'any' });
    expect((await store.readAll()).map((e) => e.position)).toEqual([1, 2, 3, 4]);
  });

  it('appends without reading the head of the global log (SQLite numbers the rows), positions still dense', async () => {
    const store = openStore();
    await store.appendToStream('a', [event()], { expectedRevision: 'any' });
    const head = jest.spyOn((store as unknown as { log: { selectHeadPosition: { get: () => unknown } } }).log.selectHeadPosition, 'get');
    const results = await Promise.all([
      store.appendToStream('a', [event(), event()], { expectedRevision: 0 }),
      store.appendToStream('b', [event()], { expectedRevision: 'no_stream' }),
    ]);
    expect(head).not.toHaveBeenCalled();
    expect(results.map((r) => r.position)).toEqual([3, 4]);
    expect((await store.readAll()).map((e) => [e.stream, e.position])).toEqual([
      ['a', 1],
      ['a', 2],
      ['a', 3],
      ['b', 4],
    ]);
  });

  it('undoes a single-event append whose id is taken, and only it, in a batch of single-event appends', async () => {
    const store = openStore();
    await store.appendToStream('x', [{ id: 'taken', type: 'T', data: {} }], { expectedRevision: 'any' });
    const results = await Promise.allSettled([
      store.appendToStream('a', [event()], { expectedRevision: 'any' }),
      store.appendToStream('b', [{ id: 'taken', type: 'T', data: {} }], { expectedRevision: 'any' }),
      store.appendToStream('a', [event()], { expectedRevision: 0 }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(DuplicateEventIdError);
    expect(await store.streamRevision('b')).toBe(-1);
    expect((await store.readAll()).map((e) => [e.stream, e.position])).toEqual([
      ['x', 1],
      ['a', 2],
      ['a', 3],
    ]);
  });

  it('keeps what it committed across close and reopen', async () => {
    const first = openStore();
    await first.appendToStream('s', [event({ secret: false, list: [1, 2] }), event()], { expectedRevision: 'no_stream' });
    await first.close();

    const reopened = openStore({ synchronous: 'NORMAL' });
    expect(await reopened.streamRevision('s')).toBe(1);
    expect((await reopened.readStream('s'))[0].data).toEqual({ secret: false, list: [1, 2] });
    const next = await reopened.appendToStream('s', [event()], { expectedRevision: 1 });
    expect(next).toEqual({ nextExpectedRevision: 2, position: 3 });
  });

  it('commits appends queued before close, then refuses new ones', async () => {
    const store = openStore();
    const queued = store.appendToStream('s', [event()], { expectedRevision: 'no_stream' });
    const closing = store.close();
    await expect(queued).resolves.toEqual({ nextExpectedRevision: 0, position: 1 });
    await closing;
    await expect(store.appendToStream('s', [event()], { expectedRevision: 0 })).rejects.toBeInstanceOf(EventStoreUnavailableError);
    await expect(store.readAll()).rejects.toBeInstanceOf(EventStoreUnavailableError);
  });

  it('fails every append of a batch with EventStoreUnavailableError when the transaction cannot run', async () => {
    const store = openStore({ busyTimeoutMs: 0 });
    await store.appendToStream('s', [event()], { expectedRevision: 'no_stream' });
    const locker = new Database(file);
    locker.exec('BEGIN EXCLUSIVE');
    try {
      const results = await Promise.allSettled([
        store.appendToStream('s', [event()], { expectedRevision: 0 }),
        store.appendToStream('t', [event()], { expectedRevision: 'any' }),
      ]);
      for (const result of results) {
        expect(result.status).toBe('rejected');
        expect((result as PromiseRejectedResult).reason).toBeInstanceOf(EventStoreUnavailableError);
      }
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }
    // nothing of the failed batch was written, and the store works again
    await expect(store.appendToStream('s', [event()], { expectedRevision: 0 })).resolves.toMatchObject({ nextExpectedRevision: 1 });
  });

  it('rejects, before queuing, an append whose data has no JSON form', async () => {
    const store = openStore();
    await expect(store.appendToStream('s', [{ id: 'x', type: 'T', data: undefined }], { expectedRevision: 'any' })).rejects.toThrow(
      TypeError,
    );
    await expect(
      store.appendToStream('s', [event()], { expectedRevision: 'maybe' as never }),
    ).rejects.toThrow(/expectedRevision/);
    expect(store.groupCommitStats().requests).toBe(0);
  });

  it('opens read-only: reads work, appends reject with EventStoreUnavailableError', async () => {
    const writer = openStore();
    await writer.appendToStream('s', [event()], { expectedRevision: 'no_stream' });
    const reader = openStore({ readonly: true });
    expect(await reader.readAll()).toHaveLength(1);
    await expect(reader.appendToStream('s', [event()], { expectedRevision: 0 })).rejects.toBeInstanceOf(EventStoreUnavailableError);
  });

  it('catches up across many pages', async () => {
    const store = openStore();
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.appendToStream(`s-${i}`, [event(), event()], { expectedRevision: 'any' })));
    const seen: number[] = [];
    const subscription = store.subscribeToAll({ pageSize: 7 }, (e) => {
      seen.push(e.position);
    });
    await subscription.caughtUp;
    await subscription.close();
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it('stops a subscription whose handler throws, before the failing event, and reports it', async () => {
    const store = openStore();
    await store.appendToStream('s', [event(), event(), event()], { expectedRevision: 'any' });
    const reported: Array<{ error: unknown; event: RecordedEvent | undefined }> = [];
    const delivered: number[] = [];
    const subscription = store.subscribeToAll(
      { onError: (error, failed) => reported.push({ error, event: failed }) },
      (e) => {
        if (e.revision === 1) throw new Error('projection bug');
        delivered.push(e.revision);
      },
    );
    await expect(subscription.caughtUp).rejects.toThrow('projection bug');
    await subscription.stopped;
    expect(delivered).toEqual([0]);
    expect(subscription.checkpoint).toBe(1);
    expect(reported).toHaveLength(1);
    expect(reported[0].event?.revision).toBe(1);
  });

  it('does not decode the rows a filtered subscription skips', async () => {
    const store = openStore();
    await store.appendToStream('calls-o-n', [event(), event()], { expectedRevision: 'any' });
    await store.appendToStream('org-o', [event({ name: 'kept' })], { expectedRevision: 'any' });
    // A row that cannot be decoded: an unfiltered reader fails on it, a filtered one never touches it.
    const raw = new Database(file);
    raw.prepare(`UPDATE events SET data = '{not json' WHERE stream = 'calls-o-n'`).run();
    raw.close();
    const seen: unknown[] = [];
    const filtered = store.subscribeToAll({ filter: { streamPrefixes: ['org-'] } }, (e) => {
      seen.push(e.data);
    });
    await filtered.caughtUp;
    expect(seen).toEqual([{ name: 'kept' }]);
    expect(filtered.checkpoint).toBe(3);
    await filtered.close();
    await expect(store.readAll()).rejects.toThrow(SyntaxError);
  });

  it('catches up a filtered subscription from the rows of its own streams only, in global order, to the head of the log', async () => {
    const database = new SqliteDatabase(file);
    const read = rowsReadBy(database.connection); // before the store prepares its statements
    const store = openStore({ database });
    const wanted = ['agent-a1', 'org-o', 'agent-a2', 'org-', 'ké-1'];
    const others = ['calls-o-n', 'org.x', 'orgz', 'kê', 'k'];
    for (let i = 0; i < 60; i += 1) {
      await store.appendToStream(others[i % others.length], [event(), event()], { expectedRevision: 'any' });
      if (i % 12 === 5) await store.appendToStream(wanted[(i - 5) / 12], [event()], { expectedRevision: 'any' });
    }
    const head = (await store.readAll()).at(-1)!.position;
    const expected = (await store.readAll()).filter((e) => wanted.includes(e.stream)).map((e) => [e.stream, e.position]);
    read.length = 0;
    const seen: Array<[string, number]> = [];
    const subscription = store.subscribeToAll(
      { pageSize: 2, filter: { streamPrefixes: ['agent-', 'agent-a1', 'org-', 'ké'] } },
      (e) => void seen.push([e.stream, e.position]),
    );
    await subscription.caughtUp;
    expect(seen).toEqual(expected);
    expect(subscription.checkpoint).toBe(head);
    expect(read.filter((stream) => !wanted.includes(stream))).toEqual([]); // no row of another stream left SQLite
    expect(read).toHaveLength(wanted.length);
    await store.appendToStream('calls-o-n', [event()], { expectedRevision: 'any' });
    await store.appendToStream('org-o', [event({ live: true })], { expectedRevision: 'any' });
    for (let i = 0; i < 50 && seen.length < wanted.length + 1; i += 1) await new Promise((r) => setTimeout(r, 5));
    expect(seen.at(-1)).toEqual(['org-o', head + 2]);
    await subscription.close();
    await store.close();
    await database.close();
  });

  it('delivers, once and in order, what another connection commits to its streams while a filtered subscription catches up by stream', async () => {
    const store = openStore();
    for (let i = 0; i < 40; i += 1) await store.appendToStream(i % 10 === 3 ? 'org-o' : 'calls-o-n', [event()], { expectedRevision: 'any' });
    const other = openStore(); // its own connection: its commits are seen only by reading the file
    const seen: number[] = [];
    let appended = false;
    const subscription = store.subscribeToAll({ pageSize: 1, filter: { streamPrefixes: ['org-'] } }, async (e) => {
      seen.push(e.position);
      if (appended) return;
      appended = true;
      await other.appendToStream('calls-o-n', [event()], { expectedRevision: 'any' });
      await other.appendToStream('org-p', [event()], { expectedRevision: 'any' });
    });
    await subscription.caughtUp;
    for (let i = 0; i < 50 && seen.length < 5; i += 1) await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual([4, 14, 24, 34, 42]);
    await subscription.close();
  });
});

/** The stream of every events row the connection's statements hand to JavaScript (prepared after this call). */
function rowsReadBy(db: Database.Database): string[] {
  const streams: string[] = [];
  const note = (row: unknown) => {
    if (row && typeof row === 'object' && 'stream' in row && 'data' in row) streams.push(String(row.stream));
  };
  const prepare = db.prepare.bind(db);
  jest.spyOn(db, 'prepare').mockImplementation(((sql: string) => {
    const statement = prepare(sql);
    const all = statement.all.bind(statement);
    const get = statement.get.bind(statement);
    statement.all = (...args: unknown[]) => {
      const rows = all(...args);
      rows.forEach(note);
      return rows;
    };
    statement.get = (...args: unknown[]) => {
      const row = get(...args);
      note(row);
      return row;
    };
    return statement;
  }) as typeof db.prepare);
  return streams;
}
