import type Database from 'better-sqlite3';
import { migrateSchema } from '@warden/sqlite';

/**
 * Schema of the SQLite payload store (component "payload-store" in schema_versions). Append a migration;
 * never edit one that has shipped.
 */
const MIGRATIONS: readonly string[] = [
  // 1: per-org data keys wrapped under the master key; payloads sealed under their org's key;
  //    meta holds a master-key check value so a wrong key stops start-up.
  `CREATE TABLE meta (
     name  TEXT PRIMARY KEY,
     value BLOB NOT NULL
   ) WITHOUT ROWID;
   CREATE TABLE org_keys (
     org        TEXT PRIMARY KEY,
     wrapped    BLOB NOT NULL,
     created_at TEXT NOT NULL
   ) WITHOUT ROWID;
   CREATE TABLE payloads (
     event_id   TEXT PRIMARY KEY,
     org        TEXT NOT NULL,
     salt       BLOB NULL,
     iv         BLOB NULL,
     ciphertext BLOB NULL,
     tag        BLOB NULL,
     digest     TEXT NOT NULL,
     erased_at  TEXT NULL
   );
   CREATE INDEX payloads_by_org ON payloads (org);`,
];

export function migratePayloadStore(db: Database.Database): void {
  migrateSchema(db, 'payload-store', MIGRATIONS);
}
