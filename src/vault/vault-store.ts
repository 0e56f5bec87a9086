import type Database from 'better-sqlite3';
import { migrateSchema, openSqlite } from '@warden/sqlite';
import type { SealedCredential } from './sealed-credential';

/** Schema of vault.db (component "vault"). Append a migration; never edit one that has shipped. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE credential_versions (
     server_id   TEXT    NOT NULL,
     version     INTEGER NOT NULL,
     org         TEXT    NOT NULL,
     key_id      TEXT    NOT NULL,
     wrapped_key BLOB    NOT NULL,
     iv          BLOB    NOT NULL,
     tag         BLOB    NOT NULL,
     ciphertext  BLOB    NOT NULL,
     created_at  TEXT    NOT NULL,
     PRIMARY KEY (server_id, version)
   ) WITHOUT ROWID;`,
];

interface Row {
  server_id: string;
  version: number;
  org: string;
  key_id: string;
  wrapped_key: Buffer;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

/**
 * The vault's own SQLite file, `<data>/vault.db` (0600, WAL, secure_delete): sealed credential
 * versions only. Which version is active is the ledger's to say (CredentialSet / Rotated /
 * Removed events); a version's row is written before its event and deleted once it is superseded.
 */
export class VaultStore {
  readonly db: Database.Database;

  constructor(readonly file: string, options: { readonly?: boolean } = {}) {
    this.db = openSqlite(file, { readonly: options.readonly });
    try {
      if (!options.readonly) {
        this.db.pragma('secure_delete = ON');
        migrateSchema(this.db, 'vault', MIGRATIONS);
      }
    } catch (error) {
      this.db.close();
      throw error;
    }
  }

  put(sealed: SealedCredential, createdAt: string): void {
    this.db
      .prepare(
        `INSERT INTO credential_versions (server_id, version, org, key_id, wrapped_key, iv, tag, ciphertext, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (server_id, version) DO UPDATE SET org = excluded.org, key_id = excluded.key_id, wrapped_key = excluded.wrapped_key,
           iv = excluded.iv, tag = excluded.tag, ciphertext = excluded.ciphertext, created_at = excluded.created_at`,
      )
      .run(sealed.serverId, sealed.version, sealed.org, sealed.keyId, sealed.wrappedKey, sealed.iv, sealed.tag, sealed.ciphertext, createdAt);
  }

  get(serverId: string, version: number): SealedCredential | undefined {
    const row = this.db.prepare('SELECT * FROM credential_versions WHERE server_id = ? AND version = ?').get(serverId, version) as Row | undefined;
    return row && sealedOf(row);
  }

  /** Deletes every version of the server's credential except `keep` (none when undefined). */
  /** One version's row (a write whose event never committed). */
  deleteVersion(serverId: string, version: number): void {
    this.db.prepare('DELETE FROM credential_versions WHERE server_id = ? AND version = ?').run(serverId, version);
  }

  deleteVersions(serverId: string, keep?: number): void {
    this.db.prepare('DELETE FROM credential_versions WHERE server_id = ? AND version IS NOT ?').run(serverId, keep ?? null);
  }

  all(): SealedCredential[] {
    return (this.db.prepare('SELECT * FROM credential_versions ORDER BY server_id, version').all() as Row[]).map(sealedOf);
  }

  /** The KEK ids the stored data keys are wrapped by. */
  keyIds(): string[] {
    return (this.db.prepare('SELECT DISTINCT key_id FROM credential_versions').all() as Array<{ key_id: string }>).map((r) => r.key_id);
  }

  /** Replaces wrapped data keys (KEK rotation), all or none; the credential ciphertexts are not touched. */
  rewrap(rows: ReadonlyArray<{ serverId: string; version: number; keyId: string; wrappedKey: Buffer }>): void {
    const update = this.db.prepare('UPDATE credential_versions SET key_id = ?, wrapped_key = ? WHERE server_id = ? AND version = ?');
    this.db.transaction(() => {
      for (const row of rows) update.run(row.keyId, row.wrappedKey, row.serverId, row.version);
    }).immediate();
  }

  close(): void {
    this.db.close();
  }
}

function sealedOf(row: Row): SealedCredential {
  return { serverId: row.server_id, version: row.version, org: row.org, keyId: row.key_id, wrappedKey: row.wrapped_key, iv: row.iv, tag: row.tag, ciphertext: row.ciphertext };
}
