import type Database from 'better-sqlite3';
import { DuplicateEventIdError, EventStoreUnavailableError, WrongExpectedRevisionError } from '../event-store.errors';
import type {
  AppendOptions,
  AppendResult,
  EventHandler,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
  SubscriptionFilter,
} from '../event-store.port';
import { isExpectedRevision } from '../expected-revision';
import { type CommitOutcome, type GroupCommitStats, SqliteDatabase, type SqliteDatabaseChoice, SqliteWriteError, useSqliteDatabase } from '@warden/sqlite';
import { CatchUpSubscription, type StreamFilter, type SubscriptionErrorHandler } from './catch-up-subscription';
import { type SerializedAppend, SqliteEventLog } from './sqlite-event-log';
import { assertEventStoreSchema, migrateEventStore } from './sqlite-migrations';

export interface SqliteEventStoreOptions extends SqliteDatabaseChoice {
  /** Open an existing store for reading only (appends reject). */
  readonly?: boolean;
}

export interface SqliteSubscribeOptions extends SubscribeOptions {
  /** Events read per query while catching up; default 500. */
  pageSize?: number;
}

const UNLIMITED = -1; // SQLite: LIMIT -1 means no limit

/**
 * The embedded event store: tables in one SQLite file in WAL mode, possibly shared with the
 * payload store. Appends are group-committed (all writes queued in one tick share one
 * transaction; each append is checked and written so that a conflict undoes only that append,
 * under its own savepoint if it has several events, so one conflict does not fail its neighbours). Live subscriptions see commits of this process.
 */
export class SqliteEventStore implements EventStore {
  private readonly database: SqliteDatabase;
  private readonly ownsDatabase: boolean;
  private readonly log: SqliteEventLog;
  private readonly subscriptions = new Set<CatchUpSubscription>();
  /** Streams appended to since the last commit notification. */
  private readonly streamsInCommit = new Set<string>();
  private wakeScheduled = false;

  private readonly readonly: boolean;
  /** Each append in its own savepoint (a better-sqlite3 transaction nested in the group's). */
  private readonly appendInSavepoint: Database.Transaction<(request: SerializedAppend) => AppendResult>;
  private readonly stopListening: () => void;
  private readonly stopListeningToTransactions: () => void;
  private closed = false;
  private closing: Promise<void> | null = null;

  constructor(options: SqliteEventStoreOptions) {
    this.readonly = options.readonly ?? false;
    ({ database: this.database, owned: this.ownsDatabase } = useSqliteDatabase(options));
    const db = this.database.connection;
    try {
      if (this.readonly) assertEventStoreSchema(db);
      else migrateEventStore(db);
      this.log = new SqliteEventLog(db, { readonly: this.readonly });
    } catch (error) {
      if (this.ownsDatabase) db.close();
      throw error;
    }
    this.appendInSavepoint = db.transaction((request: SerializedAppend) => this.log.append(request));
    this.stopListening = this.database.onCommit(() => {
      // Subscribers are woken one turn later, once for all the commits of this turn: the appender
      // (a call whose decision just became durable) goes on first, and forwards the call before
      // the read models and the anchor read the commit back. The streams are a hint for filtered
      // subscriptions: which streams the commits may have touched. (After a failed batch they may
      // also name streams of that batch: a hint only ever saves a read.)
      this.log.committed();
      if (this.wakeScheduled) return;
      this.wakeScheduled = true;
      setImmediate(() => {
        this.wakeScheduled = false;
        const streams = [...this.streamsInCommit];
        this.streamsInCommit.clear();
        for (const subscription of this.subscriptions) subscription.notifyCommitted(streams);
      });
    });
    this.stopListeningToTransactions = this.database.onTransactionEnd((committed) => this.log.transactionEnded(committed));
  }

  static open(file: string, options: Omit<SqliteEventStoreOptions, 'file'> = {}): SqliteEventStore {
    return new SqliteEventStore({ ...options, file });
  }

  async appendToStream(
    stream: string,
    events: EventToAppend[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    if (this.readonly) throw new EventStoreUnavailableError('event store is open read-only');
    this.assertOpen();
    const request = serializeAppend(stream, events, options?.expectedRevision);
    try {
      const ids = request.events.map((event) => event.id); // writes waiting for these events (their payloads) go first
      return await this.database.submit(() => {
        const outcome = appendOrConflict(() => this.appendAlone(request));
        if (outcome.ok) this.streamsInCommit.add(request.stream);
        return outcome;
      }, ids, options.durability);
    } catch (error) {
      if (error instanceof SqliteWriteError) throw new EventStoreUnavailableError(`append failed: ${error.message}`, { cause: error });
      throw error;
    }
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    return this.log.readStream(stream, options.fromRevision ?? 0, options.maxCount ?? UNLIMITED);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    return this.log.readAfter(options.fromPosition ?? 0, options.maxCount ?? UNLIMITED);
  }

  async streamRevision(stream: string): Promise<number> {
    this.assertOpen();
    return this.log.streamRevision(stream);
  }

  subscribeToAll(options: SqliteSubscribeOptions, handler: EventHandler): CatchUpSubscription {
    this.assertOpen();
    const subscription = new CatchUpSubscription(this.log, handler, {
      fromPosition: options.fromPosition ?? 0,
      pageSize: options.pageSize ?? 500,
      filter: options.filter === undefined ? undefined : streamFilter(options.filter),
      onError: options.onError ?? reportSubscriptionError,
    });
    this.subscriptions.add(subscription);
    void subscription.stopped.then(() => this.subscriptions.delete(subscription));
    return subscription;
  }

  /** Transactions committed (or attempted) and the writes they carried (of every store sharing the database). */
  groupCommitStats(): GroupCommitStats {
    return this.database.groupCommitStats();
  }

  /** Appends already queued are committed first; later appends reject with EventStoreUnavailableError. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.closed = true;
    await this.database.flushed();
    this.stopListening();
    this.stopListeningToTransactions();
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    if (this.ownsDatabase) await this.database.close();
  }

  /**
   * Writes one append so that a conflict leaves nothing of it behind. A single event needs no
   * savepoint: the revision check writes nothing, and a duplicate id fails the one INSERT, which
   * SQLite undoes by itself before the stream head is touched. Several events need one.
   */
  private appendAlone(request: SerializedAppend): AppendResult {
    return request.events.length <= 1 ? this.log.append(request) : this.appendInSavepoint(request);
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreUnavailableError('event store is closed');
  }
}

/** A conflict fails only its own append; any other error fails the whole transaction. */
function appendOrConflict(append: () => AppendResult): CommitOutcome<AppendResult> {
  try {
    return { ok: true, value: append() };
  } catch (error) {
    if (error instanceof WrongExpectedRevisionError || error instanceof DuplicateEventIdError) {
      return { ok: false, error };
    }
    throw error;
  }
}

function serializeAppend(stream: string, events: EventToAppend[], expectedRevision: unknown): SerializedAppend {
  if (typeof stream !== 'string' || stream.length === 0) throw new TypeError('stream must be a non-empty string');
  if (!Array.isArray(events)) throw new TypeError('events must be an array');
  if (!isExpectedRevision(expectedRevision)) {
    throw new TypeError(`expectedRevision must be 'any', 'no_stream', 'stream_exists' or an integer >= -1`);
  }
  return {
    stream,
    expectedRevision,
    events: events.map((event) => {
      if (typeof event?.id !== 'string' || event.id.length === 0) throw new TypeError('event id must be a non-empty string');
      if (typeof event.type !== 'string' || event.type.length === 0) throw new TypeError('event type must be a non-empty string');
      const json = JSON.stringify(event.data);
      if (json === undefined) throw new TypeError(`event ${event.id}: data is not JSON-serialisable`);
      return { id: event.id, type: event.type, json, value: event.data };
    }),
  };
}


function streamFilter(filter: SubscriptionFilter): StreamFilter {
  const prefixes: unknown = filter?.streamPrefixes;
  if (!Array.isArray(prefixes) || prefixes.length === 0 || !prefixes.every((p) => typeof p === 'string' && p.length > 0)) {
    throw new TypeError('filter.streamPrefixes must be a non-empty array of non-empty strings');
  }
  const list = [...(prefixes as string[])];
  return { prefixes: list, matches: (stream) => list.some((prefix) => stream.startsWith(prefix)) };
}

function reportSubscriptionError(error: unknown, event: RecordedEvent | undefined): void {
  const where = event ? ` at position ${event.position} (${event.type} ${event.id})` : '';
  console.error(`event store subscription stopped${where}:`, error);
}
