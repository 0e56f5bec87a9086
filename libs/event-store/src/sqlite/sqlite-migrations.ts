import type Database from 'better-sqlite3';

/**
 * Schema of the SQLite event store, versioned with `PRAGMA user_version`: migration N brings the
 * schema from version N-1 to N. Append a migration; never edit one that has shipped.
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

export const EVENT_STORE_SCHEMA_VERSION = MIGRATIONS.length;

export function migrateEventStore(db: Database.Database): void {
  db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > MIGRATIONS.length) {
      throw new Error(`event store schema version ${current} is newer than this build (${MIGRATIONS.length})`);
    }
    for (let version = current + 1; version <= MIGRATIONS.length; version += 1) {
      db.exec(MIGRATIONS[version - 1]);
      db.pragma(`user_version = ${version}`);
    }
  }).immediate();
}

export function assertEventStoreSchema(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current !== MIGRATIONS.length) {
    throw new Error(`event store schema version ${current}, this build needs ${MIGRATIONS.length}`);
  }
}
