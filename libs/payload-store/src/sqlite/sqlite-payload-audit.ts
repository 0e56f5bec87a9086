import type Database from 'better-sqlite3';
import { openSqlite } from '@warden/sqlite';
import { payloadDigest } from '@warden/ledger';
import { MasterKeyMismatchError } from '../payload-store.errors';
import { open } from './aes-gcm';
import { OrgKeyRing } from './org-key-ring';

/** One row of the payload table as an auditor sees it (no content). */
export interface PayloadRowInfo {
  eventId: string;
  org: string;
  /** The digest column (the envelope's digest, as the writer stored it). */
  digest: string;
  /** Set once erased (a tombstone: ciphertext and salt are gone). */
  erasedAt: string | null;
  /** Not erased, and salt, iv, ciphertext and tag are all there. */
  complete: boolean;
}

/** A payload read back: the salted digest of what it decrypts to, never the content itself. */
export type PayloadReadBack = { ok: true; digest: string } | { ok: false; detail: string };

/**
 * Read-only access to the embedded payload store for `warden verify --payloads`: lists the rows
 * and, with the master key, decrypts one to recompute its salted digest. Opens the file read-only
 * and writes nothing (not even the master-key check value of a store that has none yet).
 */
export class SqlitePayloadAudit {
  private readonly db: Database.Database;
  private readonly keys?: OrgKeyRing;
  private readonly hasTable: boolean;

  /** Throws MasterKeyMismatchError when the key is not this store's. */
  constructor(file: string, masterKey?: Uint8Array) {
    this.db = openSqlite(file, { readonly: true });
    try {
      const table = (name: string) => this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
      this.hasTable = table('payloads');
      if (masterKey && this.hasTable) {
        this.keys = new OrgKeyRing(this.db, masterKey, () => new Date());
        if (this.db.prepare("SELECT 1 FROM meta WHERE name = 'master_key_check'").get() !== undefined) this.keys.verifyMasterKey();
      }
    } catch (error) {
      this.db.close();
      throw error;
    }
  }

  /** Whether read-back can decrypt (a master key was given). */
  get canDecrypt(): boolean {
    return this.keys !== undefined;
  }

  rows(): PayloadRowInfo[] {
    if (!this.hasTable) return [];
    const rows = this.db
      .prepare(
        `SELECT event_id AS eventId, org, digest, erased_at AS erasedAt,
                (erased_at IS NULL AND salt IS NOT NULL AND iv IS NOT NULL AND ciphertext IS NOT NULL AND tag IS NOT NULL) AS complete
         FROM payloads ORDER BY event_id`,
      )
      .all() as Array<Omit<PayloadRowInfo, 'complete'> & { complete: number }>;
    return rows.map((r) => ({ ...r, complete: r.complete === 1 }));
  }

  /** Decrypts the payload of `eventId` under its org's key and recomputes its salted digest. */
  readBack(eventId: string): PayloadReadBack {
    if (!this.keys) return { ok: false, detail: 'no payload master key' };
    const row = this.db.prepare('SELECT org, salt, iv, ciphertext, tag FROM payloads WHERE event_id = ?').get(eventId) as
      | { org: string; salt: Buffer | null; iv: Buffer | null; ciphertext: Buffer | null; tag: Buffer | null }
      | undefined;
    if (!row) return { ok: false, detail: 'no payload row' };
    const { salt, iv, ciphertext, tag } = row;
    if (!salt || !iv || !ciphertext || !tag) return { ok: false, detail: 'salt, iv, ciphertext or tag is missing' };
    let key: Buffer | undefined;
    try {
      key = this.keys.existingDataKey(row.org);
    } catch (error) {
      if (error instanceof MasterKeyMismatchError) return { ok: false, detail: `the data key of org ${row.org} does not unwrap` };
      throw error;
    }
    if (!key) return { ok: false, detail: `org ${row.org} has no data key` };
    let plaintext: Buffer;
    try {
      plaintext = open(key, { iv, ciphertext, tag }, Buffer.from(eventId, 'utf8'));
    } catch {
      return { ok: false, detail: 'AES-GCM authentication failed (ciphertext, iv, tag or event id changed, or another key)' };
    }
    try {
      return { ok: true, digest: payloadDigest(salt, JSON.parse(plaintext.toString('utf8'))) };
    } catch {
      return { ok: false, detail: 'decrypts to no JSON, or its salt is too short' };
    } finally {
      plaintext.fill(0);
    }
  }

  close(): void {
    this.keys?.wipe();
    this.db.close();
  }
}
