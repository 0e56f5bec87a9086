import type Database from 'better-sqlite3';
import { migrateSchema } from '@warden/sqlite';

/**
 * Schema of the SQLite anchor store (component "anchor-store" in schema_versions), in the
 * embedded ledger file beside the event log. Append a migration; never edit one that has shipped.
 */
const MIGRATIONS: readonly string[] = [
  // 1: per log its frontier; leaves (one per event id, consecutive per log); the perfect nodes;
  //    the chain heads the verifying feed resumes from; the signed checkpoints by size.
  `CREATE TABLE anchor_position (
     id       INTEGER PRIMARY KEY CHECK (id = 1),
     position INTEGER NOT NULL
   );
   CREATE TABLE anchor_logs (
     log      TEXT    PRIMARY KEY,
     size     INTEGER NOT NULL,
     frontier BLOB    NOT NULL
   ) WITHOUT ROWID;
   CREATE TABLE anchor_leaves (
     event_id   TEXT    PRIMARY KEY,
     log        TEXT    NOT NULL,
     leaf_index INTEGER NOT NULL,
     position   INTEGER NOT NULL,
     UNIQUE (log, leaf_index)
   ) WITHOUT ROWID;
   CREATE TABLE anchor_nodes (
     log   TEXT    NOT NULL,
     level INTEGER NOT NULL,
     idx   INTEGER NOT NULL,
     hash  BLOB    NOT NULL,
     PRIMARY KEY (log, level, idx)
   ) WITHOUT ROWID;
   CREATE TABLE anchor_heads (
     stream TEXT    PRIMARY KEY,
     seq    INTEGER NOT NULL,
     hash   TEXT    NOT NULL
   ) WITHOUT ROWID;
   CREATE TABLE anchor_checkpoints (
     log      TEXT    NOT NULL,
     size     INTEGER NOT NULL,
     root     BLOB    NOT NULL,
     note     TEXT    NOT NULL,
     event_id TEXT    NOT NULL UNIQUE,
     position INTEGER NOT NULL,
     PRIMARY KEY (log, size)
   ) WITHOUT ROWID;`,
  // 2: witnesses' cosignatures of a checkpoint, one per witness key.
  `CREATE TABLE anchor_cosignatures (
     log       TEXT    NOT NULL,
     size      INTEGER NOT NULL,
     name      TEXT    NOT NULL,
     key_id    INTEGER NOT NULL,
     signature BLOB    NOT NULL,
     PRIMARY KEY (log, size, name, key_id)
   ) WITHOUT ROWID;`,
];

export function migrateAnchorStore(db: Database.Database): void {
  migrateSchema(db, 'anchor-store', MIGRATIONS);
}
