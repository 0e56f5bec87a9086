import type Database from 'better-sqlite3';
import { type CommitOutcome, type GroupCommitStats, SqliteDatabase, type SqliteDatabaseChoice, SqliteWriteError, useSqliteDatabase } from '@warden/sqlite';
import { canonicalJson, newPayloadSalt, payloadDigestOfCanonical } from '@warden/ledger';
import type { PayloadLookup, PayloadStore, PendingPayload, StoredPayloadRef } from '../payload-store.port';
import { PayloadAlreadyStoredError, PayloadIntegrityError, PayloadStoreUnavailableError } from '../payload-store.errors';
import { open, seal } from './aes-gcm';
import { OrgKeyRing } from './org-key-ring';
import { migratePayloadStore } from './payload-migrations';

export interface SqlitePayloadStoreOptions extends SqliteDatabaseChoice {
  /** 32 bytes; wraps every org's data key. The store keeps its own copy and zeroes it on close. */
  masterKey: Uint8Array;
  /** For erased_at / created_at; default the system clock. */
  now?: () => Date;
}

type PayloadWrite =
  | { kind: 'put'; eventId: string; org: string; salt: Buffer; iv: Buffer; ciphertext: Buffer; tag: Buffer; digest: string }
  | { kind: 'erase'; eventId: string; org: string; erasedAt: string };

interface PayloadRow {
  org: string;
  salt: Buffer | null;
  iv: Buffer | null;
  ciphertext: Buffer | null;
  tag: Buffer | null;
  digest: string;
  erased_at: string | null;
}

/**
 * The embedded payload store: sensitive content sealed with AES-256-GCM under its org's data key,
 * AAD = event id, beside the salt of its digest. Writes (puts and erasures) are group-committed,
 * with the event store's appends when the database is shared.
 * SQLite's secure_delete is on, so an erasure overwrites the freed bytes in the database file.
 */
export class SqlitePayloadStore implements PayloadStore {
  private readonly database: SqliteDatabase;
  private readonly ownsDatabase: boolean;
  private readonly db: Database.Database;
  private readonly keys: OrgKeyRing;
  private readonly writeOne: (request: PayloadWrite) => CommitOutcome<StoredPayloadRef | null>;
  private readonly selectPayload: Database.Statement<[string], PayloadRow>;
  private readonly now: () => Date;
  private closed = false;
  private closing: Promise<void> | null = null;

  constructor(options: SqlitePayloadStoreOptions) {
    this.now = options.now ?? (() => new Date());
    ({ database: this.database, owned: this.ownsDatabase } = useSqliteDatabase(options));
    this.db = this.database.connection;
    try {
      this.db.pragma('secure_delete = ON');
      migratePayloadStore(this.db);
      this.keys = new OrgKeyRing(this.db, options.masterKey, this.now);
      this.keys.verifyMasterKey();
    } catch (error) {
      if (this.ownsDatabase) this.db.close();
      throw error;
    }
    this.selectPayload = this.db.prepare(
      'SELECT org, salt, iv, ciphertext, tag, digest, erased_at FROM payloads WHERE event_id = ?',
    );
    this.writeOne = this.prepareWrite();
  }

  async put(org: string, eventId: string, content: unknown): Promise<StoredPayloadRef> {
    const pending = this.store(org, eventId, content, false);
    await pending.durable;
    return { digest: pending.digest };
  }

  /**
   * On a database shared with the event store, the payload waits for its event (appended with
   * this id, once signed) and commits with it, under one savepoint: both or neither. If the event
   * fails before reaching the store, the writer calls abandon() and the payload is dropped; if it
   * is only slow, the payload commits alone after a bounded wait (SqliteDatabase.submitBefore).
   */
  write(org: string, eventId: string, content: unknown): PendingPayload {
    return this.store(org, eventId, content, !this.ownsDatabase);
  }

  private store(org: string, eventId: string, content: unknown, withEvent: boolean): PendingPayload {
    this.assertOpen();
    assertId('org', org);
    assertId('eventId', eventId);
    const plaintext = Buffer.from(canonicalJson(content), 'utf8'); // throws for content with no JSON form
    const salt = newPayloadSalt();
    const digest = payloadDigestOfCanonical(salt, plaintext);
    const sealed = seal(this.keys.dataKeyFor(org), plaintext, Buffer.from(eventId, 'utf8'));
    plaintext.fill(0);
    const request: PayloadWrite = { kind: 'put', eventId, org, salt: Buffer.from(salt), ...sealed, digest };
    const durable = this.submit(request, withEvent ? eventId : undefined).then((stored) => {
      if (!stored) throw new Error('put committed without a payload reference');
    });
    const abandon = () => {
      if (withEvent) this.database.withdraw(eventId, new PayloadStoreUnavailableError(`payload of ${eventId} abandoned: its event was not written`));
    };
    return { digest, durable, abandon };
  }

  async get(org: string, eventId: string): Promise<PayloadLookup> {
    this.assertOpen();
    const row = this.selectPayload.get(eventId);
    if (!row || row.org !== org) return { status: 'missing' }; // never reveal or decrypt another org's payload
    if (row.erased_at !== null) return { status: 'erased', erasedAt: row.erased_at };
    return { status: 'present', content: this.decrypt(org, eventId, row), digest: row.digest, salt: Uint8Array.from(row.salt!) };
  }

  async presentBefore(org: string, beforeEventId: string, limit: number): Promise<string[]> {
    this.assertOpen();
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError('limit is a positive integer');
    const rows = this.db
      .prepare('SELECT event_id FROM payloads WHERE org = ? AND erased_at IS NULL AND event_id < ? ORDER BY event_id LIMIT ?')
      .all(org, beforeEventId, limit) as Array<{ event_id: string }>;
    return rows.map((r) => r.event_id);
  }

  async erase(org: string, eventId: string): Promise<void> {
    this.assertOpen();
    await this.submit({ kind: 'erase', eventId, org, erasedAt: this.now().toISOString() });
  }

  /** Transactions committed (or attempted) and the writes they carried (of every store sharing the database). */
  groupCommitStats(): GroupCommitStats {
    return this.database.groupCommitStats();
  }

  /** Writes already queued are committed first; later calls reject with PayloadStoreUnavailableError. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.closed = true;
    await this.database.flushed();
    this.keys.wipe();
    if (this.ownsDatabase) await this.database.close();
  }

  private decrypt(org: string, eventId: string, row: PayloadRow): unknown {
    const { salt, iv, ciphertext, tag } = row;
    if (!salt || !iv || !ciphertext || !tag) throw new PayloadIntegrityError(eventId, 'not erased, yet parts are missing');
    const key = this.keys.existingDataKey(org);
    if (!key) throw new PayloadIntegrityError(eventId, `org ${org} has no data key`);
    let plaintext: Buffer;
    try {
      plaintext = open(key, { iv, ciphertext, tag }, Buffer.from(eventId, 'utf8'));
    } catch (error) {
      throw new PayloadIntegrityError(eventId, 'AES-GCM authentication failed', { cause: error });
    }
    // The plaintext is the content's canonical bytes (store() seals nothing else): its digest is
    // the content's, with no second canonicalisation of what it parses to.
    if (payloadDigestOfCanonical(salt, plaintext) !== row.digest) throw new PayloadIntegrityError(eventId, 'digest mismatch');
    try {
      return JSON.parse(plaintext.toString('utf8')) as unknown;
    } catch (error) {
      throw new PayloadIntegrityError(eventId, 'decrypts to no JSON', { cause: error });
    } finally {
      plaintext.fill(0);
    }
  }

  /** @param withEvent commit with the event of this id, once it is appended (see SqliteDatabase.submitBefore) */
  private async submit(request: PayloadWrite, withEvent?: string): Promise<StoredPayloadRef | null> {
    const write = () => this.writeOne(request);
    try {
      return await (withEvent === undefined ? this.database.submit(write) : this.database.submitBefore(withEvent, write));
    } catch (error) {
      if (error instanceof SqliteWriteError) throw new PayloadStoreUnavailableError(`payload write failed: ${error.message}`, { cause: error });
      throw error;
    }
  }

  private prepareWrite(): SqlitePayloadStore['writeOne'] {
    const insert = this.db.prepare(
      `INSERT INTO payloads (event_id, org, salt, iv, ciphertext, tag, digest) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (event_id) DO NOTHING`,
    );
    const erase = this.db.prepare(
      `UPDATE payloads SET salt = NULL, iv = NULL, ciphertext = NULL, tag = NULL, erased_at = COALESCE(erased_at, ?)
       WHERE event_id = ? AND org = ?`,
    );
    return (request) => {
      if (request.kind === 'erase') {
        erase.run(request.erasedAt, request.eventId, request.org); // unknown or another org's: nothing to erase
        return { ok: true, value: null };
      }
      const { eventId, org, salt, iv, ciphertext, tag, digest } = request;
      const { changes } = insert.run(eventId, org, salt, iv, ciphertext, tag, digest);
      return changes === 1 ? { ok: true, value: { digest } } : { ok: false, error: new PayloadAlreadyStoredError(eventId) };
    };
  }

  private assertOpen(): void {
    if (this.closed) throw new PayloadStoreUnavailableError('payload store is closed');
  }
}

function assertId(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`${name} must be a non-empty string`);
}

