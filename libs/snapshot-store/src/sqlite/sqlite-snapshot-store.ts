import type Database from 'better-sqlite3';
import type { SignedReadModelSnapshot } from '@warden/ledger';
import { migrateSchema, openSqlite, type SqliteSynchronous } from '@warden/sqlite';
import type { SnapshotStore, StoredSnapshot } from '../snapshot-store.port';

const DEFAULT_KEEP = 2;

/**
 * Snapshots in a SQLite file of their own beside the ledger (created 0600 like it): a snapshot
 * can be megabytes of JSON, and writing it must never hold up the ledger's group commit.
 * Writes are synchronous on the caller's thread, one short transaction each.
 */
export class SqliteSnapshotStore implements SnapshotStore {
  private readonly db: Database.Database;

  constructor(options: { file: string; synchronous?: SqliteSynchronous }) {
    this.db = openSqlite(options.file, { synchronous: options.synchronous });
    migrateSchema(this.db, 'snapshot-store', [
      `CREATE TABLE read_model_snapshots (
         position INTEGER PRIMARY KEY,
         body TEXT NOT NULL,
         sig TEXT NOT NULL
       ) STRICT`,
    ]);
  }

  async save(position: number, snapshot: SignedReadModelSnapshot, keep = DEFAULT_KEEP): Promise<void> {
    const kept = Math.max(1, Math.trunc(keep));
    this.db.transaction(() => {
      this.db.prepare('INSERT OR REPLACE INTO read_model_snapshots (position, body, sig) VALUES (?, ?, ?)').run(position, snapshot.body, snapshot.sig);
      this.db
        .prepare('DELETE FROM read_model_snapshots WHERE position NOT IN (SELECT position FROM read_model_snapshots ORDER BY position DESC LIMIT ?)')
        .run(kept);
    })();
  }

  async latest(): Promise<StoredSnapshot | undefined> {
    const row = this.db.prepare('SELECT position, body, sig FROM read_model_snapshots ORDER BY position DESC LIMIT 1').get() as { position: number; body: string; sig: string } | undefined;
    return row && { position: row.position, snapshot: { body: row.body, sig: row.sig } };
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
