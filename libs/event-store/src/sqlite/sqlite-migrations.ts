import type Database from 'better-sqlite3';
import { assertSchema, migrateSchema } from '@warden/sqlite';

/**
 * Schema of the SQLite event store (component "event-store" in schema_versions): migration N
 * brings it from version N-1 to N. Append a migration; never edit one that has shipped.
 */
const MIGRATIONS: readonly string[] = [
  // 1: the global log (position = rowid, dense: no AUTOINCREMENT, rows are never deleted) and the
  //    head of every stream for an O(1) expected-revision check.
  `CREATE TABLE events (
     position INTEGER PRIMARY KEY,
     id       TEXT    NOT NULL UNIQUE,
     stream   TEXT    NOT NULL,
     revision INTEGER NOT NULL,
     type     TEXT    NOT NULL,
     data     TEXT    NOT NULL,
     UNIQUE (stream, revision)
   );
   CREATE TABLE streams (
     stream   TEXT    PRIMARY KEY,
     revision INTEGER NOT NULL,
     position INTEGER NOT NULL
   ) WITHOUT ROWID;`,
];

const COMPONENT = 'event-store';

export function migrateEventStore(db: Database.Database): void {
  migrateSchema(db, COMPONENT, MIGRATIONS);
}

export function assertEventStoreSchema(db: Database.Database): void {
  assertSchema(db, COMPONENT, MIGRATIONS);
}
