import type Database from 'better-sqlite3';
import { type CommitOutcome, GroupCommitter, type GroupCommitStats } from './group-commit';
import { openSqlite, type OpenSqliteOptions } from './open-sqlite';
import { WaitingWrites } from './waiting-writes';

export interface SqliteDatabaseOptions extends OpenSqliteOptions {
  /** Most writes in one transaction; default 1,000. */
  maxBatchSize?: number;
  /**
   * How long a write submitted with submitBefore waits for its partner; default 5 s. The partner
   * (a call's event) is sealed and signed first, on a worker thread that a busy host can hold up
   * for more than 200 ms: a payload that gave up waiting committed alone, and if its event was
   * then refused, the payload stayed without it. A partner that fails before it reaches the store
   * withdraws the waiting write at once (withdraw), so the wait is only a safety net.
   */
  maxPartnerWaitMs?: number;
}

/**
 * One write, run inside the group's transaction. It returns its own outcome (a conflict fails
 * only this write: the write must then have undone its own changes, e.g. under a savepoint);
 * if it throws, the whole transaction rolls back and every write of the group fails.
 */
export type SqliteWrite<T> = () => CommitOutcome<T>;

/** The group's transaction could not run or commit (lock held, I/O error, closed): nothing of it was written. */
export class SqliteWriteError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SqliteWriteError';
  }
}

/**
 * One SQLite file (WAL) shared by the embedded stores of one process. Writes submitted by any of
 * them in the same tick are group-committed: one transaction, one fsync. A write that belongs
 * with a later one (a payload with the event that references it, whose signature is still being
 * made) can wait for it, and then commits with it under one savepoint, both or neither:
 * submitBefore(key, write) / submit(write, [key]). Reads use `connection`
 * directly. Listeners registered with onCommit run after every transaction that wrote something,
 * those registered with onRollback after every transaction that failed.
 */
export class SqliteDatabase {
  readonly connection: Database.Database;
  private readonly committer: GroupCommitter<SqliteWrite<unknown>, unknown>;
  private readonly runBatch: Database.Transaction<(batch: readonly SqliteWrite<unknown>[]) => CommitOutcome<unknown>[]>;
  private readonly commitListeners = new Set<() => void>();
  private readonly rollbackListeners = new Set<() => void>();
  private readonly waiting: WaitingWrites<HeldWrite>;
  /** Runs a function under a savepoint (a better-sqlite3 transaction nested in the group's). */
  private readonly inSavepoint: Database.Transaction<(body: () => CommitOutcome<unknown>) => CommitOutcome<unknown>>;
  private closing: Promise<void> | null = null;

  constructor(readonly file: string, options: SqliteDatabaseOptions = {}) {
    this.connection = openSqlite(file, options);
    this.waiting = new WaitingWrites<HeldWrite>(options.maxPartnerWaitMs ?? 5_000, (held) => this.submitAlone(held));
    this.inSavepoint = this.connection.transaction((body) => body());
    this.runBatch = this.connection.transaction((batch: readonly SqliteWrite<unknown>[]) => batch.map((write) => write()));
    this.committer = new GroupCommitter((batch) => this.commitBatch(batch), {
      maxBatchSize: options.maxBatchSize,
      closedError: () => new SqliteWriteError(`database ${file} is closed`),
    });
  }

  /**
   * @param keys writes waiting for these keys (submitBefore) run just before this one, under one
   *   savepoint with it: if this write fails (a conflict, or the transaction), they fail with it.
   */
  submit<T>(write: SqliteWrite<T>, keys: readonly string[] = []): Promise<T> {
    const held = keys.map((key) => this.waiting.take(key)).filter((h): h is HeldWrite => h !== undefined);
    if (held.length === 0) return this.committer.submit(write) as Promise<T>;
    return this.submitTogether(held, write);
  }

  /**
   * Holds the write until a write is submitted with `key`, then commits it with that one (see
   * submit); if none comes within maxPartnerWaitMs (or on flush or close), it is committed alone.
   */
  submitBefore<T>(key: string, write: SqliteWrite<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const held: HeldWrite = { write, resolve: resolve as (value: unknown) => void, reject };
      if (this.closing) this.submitAlone(held);
      else this.waiting.hold(key, held);
    });
  }

  /**
   * Gives up a write still waiting (submitBefore) for `key`: it is not written, and its promise
   * rejects with `reason`. For a partner that will never come (its event failed before reaching
   * the store): the write must not commit alone. False when nothing waits for `key` (the partner
   * came, so both share one fate, or the wait is over).
   */
  withdraw(key: string, reason: Error): boolean {
    const held = this.waiting.take(key);
    held?.reject(reason);
    return held !== undefined;
  }

  /** Returns a function that removes the listener. */
  onCommit(listener: () => void): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  /** Told after every transaction that failed (nothing of it was written). Returns a function that removes the listener. */
  onRollback(listener: () => void): () => void {
    this.rollbackListeners.add(listener);
    return () => this.rollbackListeners.delete(listener);
  }

  /** Transactions committed (or attempted) and the writes they carried, of every store sharing the file. */
  groupCommitStats(): GroupCommitStats {
    return this.committer.stats();
  }

  /** Resolves once every write submitted so far has been committed (or has failed). */
  flushed(): Promise<void> {
    this.waiting.releaseAll();
    return this.committer.flushed();
  }

  /** Writes already queued are committed first; later writes reject with SqliteWriteError. */
  close(): Promise<void> {
    this.waiting.releaseAll();
    this.closing ??= this.committer.close().then(() => void this.connection.close());
    return this.closing;
  }

  private submitAlone(held: HeldWrite): void {
    this.committer.submit(held.write).then(held.resolve, held.reject);
  }

  private submitTogether<T>(held: HeldWrite[], write: SqliteWrite<T>): Promise<T> {
    let heldOutcomes: CommitOutcome<unknown>[] = [];
    const together: SqliteWrite<T> = () => {
      try {
        return this.inSavepoint(() => {
          heldOutcomes = held.map((h) => h.write());
          const outcome = write();
          if (!outcome.ok) throw new PartnerFailed(outcome.error);
          return outcome;
        }) as CommitOutcome<T>;
      } catch (error) {
        if (error instanceof PartnerFailed) return { ok: false, error: error.reason }; // the savepoint undid the held writes too
        throw error;
      }
    };
    const committed = this.committer.submit(together) as Promise<T>;
    committed.then(
      () => held.forEach((h, i) => settle(h, heldOutcomes[i])),
      (error) => held.forEach((h) => h.reject(new SqliteWriteError(`not written: the write it waited for failed: ${messageOf(error)}`, { cause: error }))),
    );
    return committed;
  }

  private commitBatch(batch: readonly SqliteWrite<unknown>[]): CommitOutcome<unknown>[] {
    let outcomes: CommitOutcome<unknown>[];
    try {
      outcomes = this.runBatch.immediate(batch);
    } catch (error) {
      for (const listener of this.rollbackListeners) listener();
      throw new SqliteWriteError(`write transaction failed: ${messageOf(error)}`, { cause: error });
    }
    if (outcomes.some((outcome) => outcome.ok)) {
      for (const listener of this.commitListeners) {
        try {
          listener();
        } catch {
          // the transaction is committed: a listener's failure must not make it look failed
        }
      }
    }
    return outcomes;
  }
}

interface HeldWrite {
  write: SqliteWrite<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Thrown inside the savepoint to undo the held writes when their partner fails on its own. */
class PartnerFailed {
  constructor(readonly reason: unknown) {}
}

function settle(held: HeldWrite, outcome: CommitOutcome<unknown>): void {
  if (outcome.ok) held.resolve(outcome.value);
  else held.reject(outcome.error);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** How a store is told where to write: its own file, or a database shared with other stores. */
export interface SqliteDatabaseChoice extends SqliteDatabaseOptions {
  /** The store opens (and closes) its own database on this file, unless `database` is given. */
  file?: string;
  /** A database shared with other embedded stores: their writes of one tick share a transaction. Its owner closes it. */
  database?: SqliteDatabase;
}

/** The shared database if one is given (not owned), else a new one on `file` (owned: the store closes it). */
export function useSqliteDatabase(choice: SqliteDatabaseChoice): { database: SqliteDatabase; owned: boolean } {
  if (choice.database) return { database: choice.database, owned: false };
  if (typeof choice.file !== 'string') throw new TypeError('a SQLite store needs a file or a database');
  return { database: new SqliteDatabase(choice.file, choice), owned: true };
}
