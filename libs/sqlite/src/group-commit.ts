/**
 * Group commit: requests submitted in the same tick (or while a commit is running) are handed to
 * `commit` together, so one transaction (one fsync) serves many callers. A deferred request does
 * not start a commit of its own: it waits (at most maxDeferMs) for the next request that does,
 * and goes in its batch, ahead of it (submission order is kept). `commit` returns one
 * outcome per request, in order: a failed request does not fail the others. If `commit` throws,
 * the whole batch failed and every request of it rejects with that error.
 */
export type CommitOutcome<Res> = { ok: true; value: Res } | { ok: false; error: unknown };

export type CommitBatch<Req, Res> = (batch: readonly Req[]) => CommitOutcome<Res>[] | Promise<CommitOutcome<Res>[]>;

export interface GroupCommitterOptions {
  /** Most requests handed to one commit; default 1,000. */
  maxBatchSize?: number;
  /** The error a request submitted after close() rejects with. */
  closedError: () => Error;
  /** Longest a deferred request waits for a batch to join before it is committed on its own; default 5 ms. */
  maxDeferMs?: number;
}

export interface GroupCommitStats {
  /** Calls of `commit` (transactions), including failed ones. */
  batches: number;
  /** Requests handed to `commit`. */
  requests: number;
  largestBatch: number;
  /** WAL syncs made by warden (SqliteDatabase under FULL): transactions of deferred writes share them. */
  walSyncs?: number;
  /** Time those syncs took, in all (ms). */
  walSyncMs?: number;
}

interface PendingRequest<Req, Res> {
  request: Req;
  resolve: (value: Res) => void;
  reject: (error: unknown) => void;
}

export class GroupCommitter<Req, Res> {
  private readonly maxBatchSize: number;
  private queue: PendingRequest<Req, Res>[] = [];
  private flushScheduled = false;
  /** Set while only deferred requests wait: the flush they get if nothing else comes. */
  private deferredFlush: NodeJS.Timeout | undefined;
  private readonly maxDeferMs: number;
  private flushing = false;
  /** Pending while requests are queued or being committed. */
  private idle: Promise<void> | null = null;
  private becomeIdle: () => void = () => undefined;
  private closed = false;
  private readonly counters: GroupCommitStats = { batches: 0, requests: 0, largestBatch: 0 };

  constructor(private readonly commit: CommitBatch<Req, Res>, private readonly options: GroupCommitterOptions) {
    this.maxBatchSize = options.maxBatchSize ?? 1000;
    this.maxDeferMs = options.maxDeferMs ?? 5;
    if (!Number.isInteger(this.maxBatchSize) || this.maxBatchSize < 1) {
      throw new RangeError(`maxBatchSize must be a positive integer, got ${options.maxBatchSize}`);
    }
  }

  /** @param deferred see the class comment: for requests nobody waits on. */
  submit(request: Req, deferred = false): Promise<Res> {
    if (this.closed) return Promise.reject(this.options.closedError());
    return new Promise<Res>((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      if (deferred) this.scheduleDeferredFlush();
      else this.scheduleFlush();
    });
  }

  stats(): GroupCommitStats {
    return { ...this.counters };
  }

  /** Resolves once every request submitted so far has been committed (or has failed); deferred ones are committed now. */
  async flushed(): Promise<void> {
    if (this.deferredFlush) this.scheduleFlush();
    await this.idle;
  }

  /** Refuses new requests, then waits until every request already queued has been committed. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flushed();
  }

  private scheduleFlush(): void {
    if (this.deferredFlush) {
      clearTimeout(this.deferredFlush);
      this.deferredFlush = undefined;
    }
    if (this.flushScheduled || this.flushing) return; // a running flush picks the request up
    this.flushScheduled = true;
    if (!this.idle) this.idle = new Promise<void>((resolve) => (this.becomeIdle = resolve));
    setImmediate(() => void this.flushQueue());
  }

  private scheduleDeferredFlush(): void {
    if (this.flushScheduled || this.flushing || this.deferredFlush) return; // a flush to join is coming
    if (!this.idle) this.idle = new Promise<void>((resolve) => (this.becomeIdle = resolve));
    this.deferredFlush = setTimeout(() => this.scheduleFlush(), this.maxDeferMs);
  }

  private async flushQueue(): Promise<void> {
    this.flushScheduled = false;
    this.flushing = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatchSize);
      await this.commitBatch(batch);
    }
    // Same synchronous step as the empty-queue check above: no request can slip in between.
    this.flushing = false;
    this.idle = null;
    this.becomeIdle();
  }

  private async commitBatch(batch: PendingRequest<Req, Res>[]): Promise<void> {
    this.counters.batches += 1;
    this.counters.requests += batch.length;
    this.counters.largestBatch = Math.max(this.counters.largestBatch, batch.length);
    let outcomes: CommitOutcome<Res>[];
    try {
      outcomes = await this.commit(batch.map((pending) => pending.request));
      if (outcomes.length !== batch.length) {
        throw new Error(`group commit returned ${outcomes.length} outcomes for ${batch.length} requests`);
      }
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      return;
    }
    batch.forEach((pending, index) => {
      const outcome = outcomes[index];
      if (outcome.ok) pending.resolve(outcome.value);
      else pending.reject(outcome.error);
    });
  }
}
