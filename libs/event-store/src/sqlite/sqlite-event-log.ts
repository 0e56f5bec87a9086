import type Database from 'better-sqlite3';
import { DuplicateEventIdError } from '../event-store.errors';
import type { AppendResult, ExpectedRevision, RecordedEvent } from '../event-store.port';
import { assertExpectedRevision, NO_STREAM_REVISION } from '../expected-revision';
import type { LogPage, StreamFilter } from './catch-up-subscription';
import { prefixRanges, StreamPrefixReader, type StreamRange } from './stream-prefix-reader';

/** Rows of the latest commits kept for the readers they wake. */
const TAIL_ROWS = 256;

/** An append whose event bodies are already JSON text (serialised before queuing). */
export interface SerializedAppend {
  stream: string;
  expectedRevision: ExpectedRevision;
  events: { id: string; type: string; json: string; value: unknown }[];
}

interface EventRow {
  position: number;
  id: string;
  stream: string;
  revision: number;
  type: string;
  data: string;
  /** For a row this connection wrote: the very object appended (what `data` serialises). */
  value?: unknown;
}

interface StreamHeadRow {
  revision: number;
  position: number;
}

/** Synchronous statements over the events / streams tables. The caller owns transactions. */
export class SqliteEventLog {
  private readonly selectHead: Database.Statement<[string], StreamHeadRow>;
  private readonly writes: WriteStatements | undefined;
  private readonly selectStream: Database.Statement<[string, number, number], EventRow>;
  private readonly selectAfter: Database.Statement<[number, number], EventRow>;
  private readonly selectHeadPosition: Database.Statement<[], { position: number | null }>;
  private readonly selectAt: Database.Statement<[number], EventRow>;
  private readonly byStream: StreamPrefixReader;
  /** The stream name ranges of each filter (undefined: one has no bound, the log is scanned). */
  private readonly filterRanges = new WeakMap<StreamFilter, StreamRange[] | undefined>();
  /** Only a writing connection knows of every commit (a read-only one may share the file with a writer elsewhere). */
  private readonly memoisePages: boolean;
  private lastPage: { afterPosition: number; maxCount: number; rows: EventRow[] } | undefined;
  private readonly decodedRows = new WeakMap<EventRow, RecordedEvent>();
  /** Rows this connection's appends wrote in the transaction under way. */
  private written: EventRow[] = [];
  /** Rows of transactions that committed but are not yet known durable (see committed()). */
  private sealed: EventRow[] = [];
  /** Rows of this connection's latest commits, dense positions, oldest first (at most TAIL_ROWS). */
  private tail: EventRow[] = [];

  constructor(db: Database.Database, options: { readonly: boolean }) {
    this.memoisePages = !options.readonly;
    this.selectHead = db.prepare('SELECT revision, position FROM streams WHERE stream = ?');
    this.selectStream = db.prepare(
      'SELECT position, id, stream, revision, type, data FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?',
    );
    this.selectAfter = db.prepare(
      'SELECT position, id, stream, revision, type, data FROM events WHERE position > ? ORDER BY position LIMIT ?',
    );
    this.selectHeadPosition = db.prepare('SELECT MAX(position) AS position FROM events');
    this.selectAt = db.prepare('SELECT position, id, stream, revision, type, data FROM events WHERE position = ?');
    this.byStream = new StreamPrefixReader(db);
    // Write statements cannot be prepared on a read-only connection.
    this.writes = options.readonly ? undefined : prepareWrites(db);
  }

  streamRevision(stream: string): number {
    return this.selectHead.get(stream)?.revision ?? NO_STREAM_REVISION;
  }

  headPosition(): number {
    return this.selectHeadPosition.get()?.position ?? 0;
  }

  /** Checks the expected revision, then writes. Must run inside a transaction (or savepoint). */
  append(request: SerializedAppend): AppendResult {
    if (!this.writes) throw new Error('the event log is open read-only');
    const writes = this.writes;
    const head = this.selectHead.get(request.stream);
    const current = head?.revision ?? NO_STREAM_REVISION;
    assertExpectedRevision(request.stream, request.expectedRevision, current);
    let revision = current;
    let position = head?.position ?? NO_STREAM_REVISION;
    if (request.events.length === 0) return { nextExpectedRevision: revision, position };
    // SQLite gives each row the largest rowid + 1 (position is the rowid, rows are never
    // deleted): the global log stays dense with no query for its head per append.
    const rows: EventRow[] = [];
    for (const event of request.events) {
      revision += 1;
      position = insertEvent(writes, event, request.stream, revision);
      rows.push({ position, id: event.id, stream: request.stream, revision, type: event.type, data: event.json, value: event.value });
    }
    writes.upsertHead.run(request.stream, revision, position);
    if (this.memoisePages) this.written.push(...rows); // once every row of the append is in
    return { nextExpectedRevision: revision, position };
  }

  readStream(stream: string, fromRevision: number, maxCount: number): RecordedEvent[] {
    return this.selectStream.all(stream, fromRevision, maxCount).map(toRecordedEvent);
  }

  /** A read of the stored log (never of the tail kept for live readers: see readPage). */
  readAfter(afterPosition: number, maxCount: number): RecordedEvent[] {
    return this.rowsAfter(afterPosition, maxCount).map((row) => this.decoded(row));
  }

  /**
   * Tells the log that what its connection committed is durable (the store's commit listener): pages
   * read before may be stale, and the rows of the transactions committed since join the tail that
   * live readers are served from. Until then, a page asked for again (the projector and the anchor
   * both read the same rows after each commit) is served from the rows the last read returned.
   */
  committed(): void {
    this.lastPage = undefined;
    const written = this.sealed;
    this.sealed = [];
    if (written.length === 0) return;
    // Rows of other connections in between (a gap in positions) start the tail anew.
    const last = this.tail.at(-1);
    this.tail = last && written[0].position === last.position + 1 ? this.tail.concat(written) : written;
    if (this.tail.length > TAIL_ROWS) this.tail = this.tail.slice(-TAIL_ROWS);
  }

  /**
   * The transaction under way ended (before it is synced): if it committed, what its appends wrote
   * waits for committed(); if not, none of it is in the log.
   */
  transactionEnded(committed: boolean): void {
    if (committed && this.written.length > 0) this.sealed = this.sealed.concat(this.written);
    this.written = [];
  }

  /**
   * Parses only the rows whose stream the filter wants (see GlobalLogSource). A live read may be
   * served from the tail of this connection's commits. Otherwise a filtered read whose streams
   * hold few of the rows ahead asks SQLite for the rows of those streams only (by name range on
   * the (stream, revision) index), instead of reading every row and skipping the others.
   */
  readPage(afterPosition: number, maxCount: number, filter?: StreamFilter, live = false): LogPage {
    const tail = live ? this.tailAfter(afterPosition, maxCount) : undefined;
    if (!tail && filter) {
      const page = this.pageByStream(afterPosition, maxCount, filter);
      if (page) return page;
    }
    const rows = tail ?? this.rowsAfter(afterPosition, maxCount);
    const decode = (row: EventRow) => this.decoded(row);
    const events = filter ? rows.filter((row) => filter.matches(row.stream)).map(decode) : rows.map(decode);
    return { events, scannedTo: rows.length > 0 ? rows[rows.length - 1].position : afterPosition, reachedHead: maxCount < 0 || rows.length < maxCount };
  }

  /**
   * The page of a filtered read from the rows of the wanted streams only; undefined when scanning
   * the log costs less (the wanted streams hold most of the rows ahead). The head is read first
   * and bounds the positions asked for, so the page is one consistent view without a transaction:
   * a row at or before the head is committed, and a row committed later lies after it. A page that
   * holds every wanted row up to the head has examined the log up to it.
   */
  private pageByStream(afterPosition: number, maxCount: number, filter: StreamFilter): LogPage | undefined {
    const ranges = this.rangesOf(filter);
    if (!ranges) return undefined;
    const head = this.headPosition();
    if (head <= afterPosition) return { events: [], scannedTo: afterPosition, reachedHead: true };
    if (!this.byStream.cheaperThanScan(ranges, head - afterPosition, maxCount)) return undefined;
    const { positions, complete } = this.byStream.positions(ranges, afterPosition, head, maxCount);
    const rows = positions.map((position) => this.selectAt.get(position)!);
    const events = rows.filter((row) => filter.matches(row.stream)).map((row) => this.decoded(row));
    if (complete) return { events, scannedTo: head, reachedHead: true };
    return { events, scannedTo: positions[positions.length - 1], reachedHead: false };
  }

  private rangesOf(filter: StreamFilter): StreamRange[] | undefined {
    if (!this.filterRanges.has(filter)) this.filterRanges.set(filter, prefixRanges(filter.prefixes));
    return this.filterRanges.get(filter);
  }

  /**
   * The rows after `afterPosition` from the tail of this connection's commits, when the tail
   * holds the very next position: what a reader woken by a commit asks for, served without a
   * query. Undefined when it does not (catching up, or rows of another connection in between):
   * then the log is read. Live subscriptions see the commits of this process (SqliteEventStore).
   */
  private tailAfter(afterPosition: number, maxCount: number): EventRow[] | undefined {
    const tail = this.tail;
    if (tail.length === 0 || afterPosition < tail[0].position - 1 || afterPosition >= tail[tail.length - 1].position) return undefined;
    const from = afterPosition - tail[0].position + 1;
    return maxCount < 0 ? tail.slice(from) : tail.slice(from, from + maxCount);
  }

  /**
   * One decoded event per memoised row: readers served the same page (the projector and the
   * anchor) get the same object, so the row's JSON is parsed once and a check it passed can be
   * recognised (LedgerIntegrity). Readers must treat events as read-only.
   */
  private decoded(row: EventRow): RecordedEvent {
    if (!this.memoisePages) return toRecordedEvent(row);
    let event = this.decodedRows.get(row);
    if (!event) {
      event = toRecordedEvent(row);
      this.decodedRows.set(row, event);
    }
    return event;
  }

  private rowsAfter(afterPosition: number, maxCount: number): EventRow[] {
    const last = this.lastPage;
    if (this.memoisePages && last && last.afterPosition === afterPosition && last.maxCount === maxCount) return last.rows;
    const rows = this.selectAfter.all(afterPosition, maxCount);
    if (this.memoisePages) this.lastPage = { afterPosition, maxCount, rows };
    return rows;
  }

}

interface WriteStatements {
  insertEvent: Database.Statement<[string, string, number, string, string]>;
  upsertHead: Database.Statement<[string, number, number]>;
}

function prepareWrites(db: Database.Database): WriteStatements {
  return {
    insertEvent: db.prepare('INSERT INTO events (id, stream, revision, type, data) VALUES (?, ?, ?, ?, ?)'),
    upsertHead: db.prepare(
      `INSERT INTO streams (stream, revision, position) VALUES (?, ?, ?)
       ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision, position = excluded.position`,
    ),
  };
}

/** Returns the event's position. */
function insertEvent(writes: WriteStatements, event: SerializedAppend['events'][number], stream: string, revision: number): number {
  try {
    return Number(writes.insertEvent.run(event.id, stream, revision, event.type, event.json).lastInsertRowid);
  } catch (error) {
    if (isDuplicateEventId(error)) throw new DuplicateEventIdError(event.id);
    throw error;
  }
}

function isDuplicateEventId(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === 'SQLITE_CONSTRAINT_UNIQUE' && typeof message === 'string' && message.includes('events.id');
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.id,
    type: row.type,
    stream: row.stream,
    revision: row.revision,
    position: row.position,
    // A row this connection just wrote is served with the object that was appended: nothing to
    // parse, and a reader can tell it never went through the file (LedgerIntegrity does).
    data: row.value !== undefined ? row.value : (JSON.parse(row.data) as unknown),
  };
}
