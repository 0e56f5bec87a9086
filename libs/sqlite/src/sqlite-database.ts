import type Database from 'better-sqlite3';
import { type CommitOutcome, GroupCommitter, type GroupCommitStats } from './group-commit';
import { openSqlite, type OpenSqliteOptions } from './open-sqlite';

export interface SqliteDatabaseOptions extends OpenSqliteOptions {
  /** Most writes in one transaction; default 1,000. */
  maxBatchSize?: number;
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
 * them in the same tick are group-committed: one transaction, one fsync. Reads use `connection`
 * directly. Listeners registered with onCommit run after every transaction that wrote something.
 */
export class SqliteDatabase {
  readonly connection: Database.Database;
  private readonly committer: GroupCommitter<SqliteWrite<unknown>, unknown>;
  private readonly runBatch: Database.Transaction<(batch: readonly SqliteWrite<unknown>[]) => CommitOutcome<unknown>[]>;
  private readonly commitListeners = new Set<() => void>();
  private closing: Promise<void> | null = null;

  constructor(readonly file: string, options: SqliteDatabaseOptions = {}) {
    this.connection = openSqlite(file, options);
    this.runBatch = this.connection.transaction((batch: readonly SqliteWrite<unknown>[]) => batch.map((write) => write()));
    this.committer = new GroupCommitter((batch) => this.commitBatch(batch), {
      maxBatchSize: options.maxBatchSize,
      closedError: () => new SqliteWriteError(`database ${file} is closed`),
    });
  }

  submit<T>(write: SqliteWrite<T>): Promise<T> {
    return this.committer.submit(write) as Promise<T>;
  }

  /** Returns a function that removes the listener. */
  onCommit(listener: () => void): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  /** Transactions committed (or attempted) and the writes they carried, of every store sharing the file. */
  groupCommitStats(): GroupCommitStats {
    return this.committer.stats();
  }

  /** Resolves once every write submitted so far has been committed (or has failed). */
  flushed(): Promise<void> {
    return this.committer.flushed();
  }

  /** Writes already queued are committed first; later writes reject with SqliteWriteError. */
  close(): Promise<void> {
    this.closing ??= this.committer.close().then(() => void this.connection.close());
    return this.closing;
  }

  private commitBatch(batch: readonly SqliteWrite<unknown>[]): CommitOutcome<unknown>[] {
    let outcomes: CommitOutcome<unknown>[];
    try {
      outcomes = this.runBatch.immediate(batch);
    } catch (error) {
      throw new SqliteWriteError(`write transaction failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
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
