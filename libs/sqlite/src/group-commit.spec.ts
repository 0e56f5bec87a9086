import { type CommitOutcome, GroupCommitter } from './group-commit';

const closedError = () => new Error('closed');
const echo = (batch: readonly number[]): CommitOutcome<number>[] => batch.map((value) => ({ ok: true, value: value * 10 }));

async function afterTurns(turns: number): Promise<void> {
  for (let i = 0; i < turns; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

describe('GroupCommitter', () => {
  it('hands requests submitted in one tick to one commit, in order', async () => {
    const batches: number[][] = [];
    const committer = new GroupCommitter<number, number>((batch) => {
      batches.push([...batch]);
      return echo(batch);
    }, { closedError });

    const results = await Promise.all([1, 2, 3, 4].map((n) => committer.submit(n)));

    expect(results).toEqual([10, 20, 30, 40]);
    expect(batches).toEqual([[1, 2, 3, 4]]);
    expect(committer.stats()).toEqual({ batches: 1, requests: 4, largestBatch: 4 });
  });

  it('holds a deferred request back for the next batch (ahead of what started it), or commits it alone after maxDeferMs', async () => {
    const batches: number[][] = [];
    const committerWith = (maxDeferMs: number) =>
      new GroupCommitter<number, number>((batch) => {
        batches.push([...batch]);
        return echo(batch);
      }, { closedError, maxDeferMs });

    // A bound far beyond the test's turns: the deferred request can only go with the next batch
    // (with 30 ms, a loaded CI host once took longer than that for ten turns).
    const holding = committerWith(60_000);
    const deferred = holding.submit(1, true);
    await afterTurns(10);
    expect(batches).toEqual([]);
    expect(await Promise.all([holding.submit(2), deferred])).toEqual([20, 10]);
    expect(batches).toEqual([[1, 2]]);

    const committer = committerWith(30);
    const started = performance.now();
    await expect(committer.submit(3, true)).resolves.toBe(30);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    const flushedEarly = committer.submit(4, true);
    await committer.flushed();
    await expect(flushedEarly).resolves.toBe(40);
    expect(batches).toEqual([[1, 2], [3], [4]]);
  });

  it('caps a batch at maxBatchSize', async () => {
    const sizes: number[] = [];
    const committer = new GroupCommitter<number, number>((batch) => {
      sizes.push(batch.length);
      return echo(batch);
    }, { closedError, maxBatchSize: 3 });

    await Promise.all([1, 2, 3, 4, 5, 6, 7].map((n) => committer.submit(n)));

    expect(sizes).toEqual([3, 3, 1]);
  });

  it('queues requests submitted while an asynchronous commit runs into the next batch', async () => {
    const batches: number[][] = [];
    let releaseFirst!: () => void;
    const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
    const committer = new GroupCommitter<number, number>(async (batch) => {
      batches.push([...batch]);
      if (batches.length === 1) await firstHeld;
      return echo(batch);
    }, { closedError });

    const first = committer.submit(1);
    await new Promise((resolve) => setImmediate(resolve)); // first commit now running
    const later = [committer.submit(2), committer.submit(3)];
    releaseFirst();

    expect(await Promise.all([first, ...later])).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it('fails only the requests whose outcome failed', async () => {
    const committer = new GroupCommitter<number, number>(
      (batch) => batch.map((n) => (n % 2 === 0 ? { ok: false, error: new Error(`even ${n}`) } : { ok: true, value: n })),
      { closedError },
    );

    const results = await Promise.allSettled([1, 2, 3].map((n) => committer.submit(n)));

    expect(results).toEqual([
      { status: 'fulfilled', value: 1 },
      { status: 'rejected', reason: new Error('even 2') },
      { status: 'fulfilled', value: 3 },
    ]);
  });

  it('rejects every request of a batch whose commit throws, and keeps serving later ones', async () => {
    let broken = true;
    const committer = new GroupCommitter<number, number>((batch) => {
      if (broken) throw new Error('disk I/O error');
      return echo(batch);
    }, { closedError });

    const failed = await Promise.allSettled([1, 2].map((n) => committer.submit(n)));
    broken = false;
    const recovered = await committer.submit(3);

    expect(failed.map((r) => r.status === 'rejected' && (r.reason as Error).message)).toEqual(['disk I/O error', 'disk I/O error']);
    expect(recovered).toBe(30);
  });

  it('serves a request submitted in the microtasks after the previous one settles (no lost wake-up)', async () => {
    const committer = new GroupCommitter<number, number>(echo, { closedError });
    for (let hops = 0; hops <= 10; hops += 1) {
      await committer.submit(hops);
      for (let i = 0; i < hops; i += 1) await Promise.resolve();
      // a request that lands while the previous flush winds down must still be committed
      const next = committer.submit(100 + hops);
      await expect(Promise.race([next, afterTurns(50).then(() => 'stuck')])).resolves.toBe((100 + hops) * 10);
    }
  });

  it('on close, commits what is queued and refuses what comes later', async () => {
    const committed: number[] = [];
    const committer = new GroupCommitter<number, number>((batch) => {
      committed.push(...batch);
      return echo(batch);
    }, { closedError });

    const queued = committer.submit(1);
    await committer.close();

    expect(committed).toEqual([1]);
    await expect(queued).resolves.toBe(10);
    await expect(committer.submit(2)).rejects.toThrow('closed');
  });

  it('rejects a batch whose commit returns the wrong number of outcomes', async () => {
    const committer = new GroupCommitter<number, number>(() => [], { closedError });
    await expect(committer.submit(1)).rejects.toThrow(/0 outcomes for 1 requests/);
  });
});
