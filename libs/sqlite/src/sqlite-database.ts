import type Database from 'better-sqlite3';
import { type CommitOutcome, GroupCommitter, type GroupCommitStats } from './group-commit';
import { openSqlite, type OpenSqliteOptions } from './open-sqlite';
import { WaitingWrites } from './waiting-writes';
import { type SyncFile, WalSync } from './wal-sync';

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
  /** How long a deferred write (see Durability) waits for a transaction to join; default 5 ms. */
  maxDeferMs?: number;
  /** Under FULL, how the WAL is synced (fdatasync unless given: a seam for tests of a failing disk). */
  syncFile?: SyncFile;
}

/**
 * When a write is committed. `immediate`: in the next group commit (a call's decision, which must
 * be durable before the call is forwarded). `deferred`: it waits, at most maxDeferMs, for the next
 * immediate write and goes into its transaction, ahead of it: for records nobody waits on (a
 * call's outcome, written behind the answer), so that a sequential caller costs one transaction
 * and one fsync per call, not two. Both resolve once committed (and, under FULL, synced).
 */
export type Durability = 'immediate' | 'deferred';

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
 * directly. Listeners registered with onCommit are told once what committed is durable (after
 * every transaction that wrote something; under FULL, after the sync that covers it, which may
 * cover several); those registered with onTransactionEnd right after every transaction, committed
 * or not, before it is synced (for bookkeeping of what the transaction wrote).
 *
 * Under FULL the connection runs under NORMAL and warden syncs the WAL itself (WalSync) after
 * every transaction that wrote something, before anyone hears of it. If the WAL cannot be synced,
 * the writes of that transaction fail and so does every later write: after a failed fsync nothing
 * is known of what reached the disk.
 */
export class SqliteDatabase {
  readonly connection: Database.Database;
  private readonly committer: GroupCommitter<SqliteWrite<unknown>, unknown>;
  private readonly runBatch: Database.Transaction<(batch: readonly SqliteWrite<unknown>[]) => CommitOutcome<unknown>[]>;
  private readonly commitListeners = new Set<() => void>();
  private readonly transactionListeners = new Set<(committed: boolean) => void>();
  private readonly waiting: WaitingWrites<HeldWrite>;
  /** Runs a function under a savepoint (a better-sqlite3 transaction nested in the group's). */
  private readonly inSavepoint: Database.Transaction<(body: () => CommitOutcome<unknown>) => CommitOutcome<unknown>>;
  private closing: Promise<void> | null = null;
  /** Under FULL on a file: warden syncs the WAL (the connection runs under NORMAL). */
  private readonly walSync: WalSync | undefined;
  /** Why the database refuses writes since a WAL sync failed. */
  private failure: SqliteWriteError | undefined;
  private walSyncs = 0;
  private walSyncMs = 0;

  constructor(readonly file: string, options: SqliteDatabaseOptions = {}) {
    const syncedHere = (options.synchronous ?? 'FULL') === 'FULL' && !options.readonly && file !== ':memory:';
    this.connection = openSqlite(file, syncedHere ? { ...options, synchronous: 'NORMAL' } : options);
    this.walSync = syncedHere ? new WalSync(`${file}-wal`, options.syncFile) : undefined;
    this.waiting = new WaitingWrites<HeldWrite>(options.maxPartnerWaitMs ?? 5_000, (held) => this.submitAlone(held));
    this.inSavepoint = this.connection.transaction((body) => body());
    this.runBatch = this.connection.transaction((batch: readonly SqliteWrite<unknown>[]) => batch.map((write) => write()));
    this.committer = new GroupCommitter<SqliteWrite<unknown>, unknown>((batch) => this.commitBatch(batch), {
      maxBatchSize: options.maxBatchSize,
      maxDeferMs: options.maxDeferMs,
      closedError: () => new SqliteWriteError(`database ${file} is closed`),
    });
  }

  /**
   * @param keys writes waiting for these keys (submitBefore) run just before this one, under one
   *   savepoint with it: if this write fails (a conflict, or the transaction), they fail with it.
   * @param durability see Durability; the held writes share this write's.
   */
  submit<T>(write: SqliteWrite<T>, keys: readonly string[] = [], durability: Durability = 'immediate'): Promise<T> {
    const held = keys.map((key) => this.waiting.take(key)).filter((h): h is HeldWrite => h !== undefined);
    if (held.length === 0) return this.committer.submit(write, durability === 'deferred') as Promise<T>;
    return this.submitTogether(held, write, durability);
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

  /**
   * Told right after every transaction, before it is synced: committed (its writes are in the
   * file) or not (nothing of it was written). Returns a function that removes the listener.
   */
  onTransactionEnd(listener: (committed: boolean) => void): () => void {
    this.transactionListeners.add(listener);
    return () => this.transactionListeners.delete(listener);
  }

  /** Transactions committed (or attempted) and the writes they carried, of every store sharing the file. */
  groupCommitStats(): GroupCommitStats {
    return { ...this.committer.stats(), ...(this.walSync ? { walSyncs: this.walSyncs, walSyncMs: this.walSyncMs } : {}) };
  }

  /** Resolves once every write submitted so far (deferred ones included) has been committed (or has failed). */
  flushed(): Promise<void> {
    this.waiting.releaseAll();
    return this.committer.flushed();
  }

  /** Writes already queued are committed first; later writes reject with SqliteWriteError. */
  close(): Promise<void> {
    this.waiting.releaseAll();
    this.closing ??= this.committer.close().then(() => {
      this.walSync?.close();
      this.connection.close();
    });
    return this.closing;
  }

  private submitAlone(held: HeldWrite): void {
    this.committer.submit(held.write).then(held.resolve, held.reject);
  }

  private submitTogether<T>(held: HeldWrite[], write: SqliteWrite<T>, durability: Durability): Promise<T> {
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
    const committed = this.committer.submit(together, durability === 'deferred') as Promise<T>;
    committed.then(
      () => held.forEach((h, i) => settle(h, heldOutcomes[i])),
      (error) => held.forEach((h) => h.reject(new SqliteWriteError(`not written: the write it waited for failed: ${messageOf(error)}`, { cause: error }))),
    );
    return committed;
  }

  private commitBatch(batch: readonly SqliteWrite<unknown>[]): CommitOutcome<unknown>[] {
    if (this.failure) throw this.failure;
    let outcomes: CommitOutcome<unknown>[];
    try {
      outcomes = this.runBatch.immediate(batch);
    } catch (error) {
      this.tellTransactionEnd(false);
      throw new SqliteWriteError(`write transaction failed: ${messageOf(error)}`, { cause: error });
    }
    if (!outcomes.some((outcome) => outcome.ok)) return outcomes;
    this.tellTransactionEnd(true);
    if (this.walSync) this.syncWal();
    this.tellCommitted();
    return outcomes;
  }

  /** What every transaction so far wrote is made durable; if it cannot be, the database fails (see the class comment). */
  private syncWal(): void {
    const started = performance.now();
    try {
      this.walSync!.sync();
    } catch (error) {
      this.failure = new SqliteWriteError(`the write-ahead log of ${this.file} could not be synced (${messageOf(error)}): this database accepts no more writes`, { cause: error });
      throw this.failure;
    } finally {
      this.walSyncs += 1;
      this.walSyncMs += performance.now() - started;
    }
  }

  private tellCommitted(): void {
    tell(this.commitListeners, undefined);
  }

  private tellTransactionEnd(committed: boolean): void {
    tell(this.transactionListeners, committed);
  }
}

/** A listener's failure is its own: it must not make a transaction look failed (or committed). */
function tell<A>(listeners: Set<(arg: A) => void>, arg: A): void {
  for (const listener of listeners) {
    try {
      listener(arg);
    } catch {
      // the listener's own problem
    }
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
