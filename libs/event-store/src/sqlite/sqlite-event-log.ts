import type Database from 'better-sqlite3';
import { DuplicateEventIdError } from '../event-store.errors';
import type { AppendResult, ExpectedRevision, RecordedEvent } from '../event-store.port';
import { assertExpectedRevision, NO_STREAM_REVISION } from '../expected-revision';
import type { LogPage, StreamMatcher } from './catch-up-subscription';

/** An append whose event bodies are already JSON text (serialised before queuing). */
export interface SerializedAppend {
  stream: string;
  expectedRevision: ExpectedRevision;
  events: { id: string; type: string; json: string }[];
}

interface EventRow {
  position: number;
  id: string;
  stream: string;
  revision: number;
  type: string;
  data: string;
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
  /** Only a writing connection knows of every commit (a read-only one may share the file with a writer elsewhere). */
  private readonly memoisePages: boolean;
  private lastPage: { afterPosition: number; maxCount: number; rows: EventRow[] } | undefined;
  private readonly decodedRows = new WeakMap<EventRow, RecordedEvent>();

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
    for (const event of request.events) {
      revision += 1;
      position = insertEvent(writes, event, request.stream, revision);
    }
    writes.upsertHead.run(request.stream, revision, position);
    return { nextExpectedRevision: revision, position };
  }

  readStream(stream: string, fromRevision: number, maxCount: number): RecordedEvent[] {
    return this.selectStream.all(stream, fromRevision, maxCount).map(toRecordedEvent);
  }

  readAfter(afterPosition: number, maxCount: number): RecordedEvent[] {
    return this.readPage(afterPosition, maxCount).events;
  }

  /**
   * Tells the log that a transaction of its connection committed: pages read before it may be
   * stale. Until then, a page asked for again (the projector and the anchor both read the same
   * rows after each commit) is served from the rows the last read returned.
   */
  committed(): void {
    this.lastPage = undefined;
  }

  /** Parses only the rows whose stream matches (see GlobalLogSource). */
  readPage(afterPosition: number, maxCount: number, matches?: StreamMatcher): LogPage {
    const rows = this.rowsAfter(afterPosition, maxCount);
    const decode = (row: EventRow) => this.decoded(row);
    const events = matches ? rows.filter((row) => matches(row.stream)).map(decode) : rows.map(decode);
    return { events, scannedTo: rows.length > 0 ? rows[rows.length - 1].position : afterPosition, reachedHead: maxCount < 0 || rows.length < maxCount };
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
    data: JSON.parse(row.data) as unknown,
  };
}
