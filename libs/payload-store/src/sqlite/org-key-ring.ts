import type Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { MasterKeyMismatchError } from '../payload-store.errors';
import { AES_256_KEY_BYTES, open, packBox, seal, unpackBox } from './aes-gcm';

const MASTER_KEY_CHECK = 'master_key_check';
const CHECK_PLAINTEXT = Buffer.from('warden payload store master key check v1', 'utf8');
const CHECK_AAD = Buffer.from('warden/master-key-check/v1', 'utf8');
const wrapAad = (org: string) => Buffer.from(`warden/org-data-key/v1\0${org}`, 'utf8');

/**
 * Per-organisation data keys (random, 32 bytes), stored wrapped with AES-256-GCM under the master
 * key; the AAD names the org, so a wrapped key copied to another org does not unwrap. Unwrapped
 * keys are cached in memory and zeroed by wipe().
 */
export class OrgKeyRing {
  private readonly masterKey: Buffer;
  private readonly cache = new Map<string, Buffer>();
  private readonly selectWrapped: Database.Statement<[string], { wrapped: Buffer }>;
  private readonly insertWrapped: Database.Statement<[string, Buffer, string]>;

  constructor(private readonly db: Database.Database, masterKey: Uint8Array, private readonly now: () => Date) {
    if (!(masterKey instanceof Uint8Array) || masterKey.length !== AES_256_KEY_BYTES) {
      throw new RangeError(`the payload master key must be ${AES_256_KEY_BYTES} bytes`);
    }
    this.masterKey = Buffer.from(masterKey); // our own copy, zeroed on wipe()
    this.selectWrapped = db.prepare('SELECT wrapped FROM org_keys WHERE org = ?');
    this.insertWrapped = db.prepare('INSERT INTO org_keys (org, wrapped, created_at) VALUES (?, ?, ?) ON CONFLICT (org) DO NOTHING');
  }

  /** Records a check value on first use; afterwards, throws MasterKeyMismatchError for any other key. */
  verifyMasterKey(): void {
    const row = this.db.prepare('SELECT value FROM meta WHERE name = ?').get(MASTER_KEY_CHECK) as { value: Buffer } | undefined;
    if (!row) {
      const check = packBox(seal(this.masterKey, CHECK_PLAINTEXT, CHECK_AAD));
      this.db.prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING').run(MASTER_KEY_CHECK, check);
      return this.verifyMasterKey(); // another connection may have won the insert
    }
    try {
      open(this.masterKey, unpackBox(row.value), CHECK_AAD);
    } catch {
      throw new MasterKeyMismatchError('the stored check value does not decrypt under it');
    }
  }

  /** The org's data key, created (and stored wrapped) on first use. */
  dataKeyFor(org: string): Buffer {
    return this.existingDataKey(org) ?? this.createDataKey(org);
  }

  /** The org's data key, or undefined if the org has never stored a payload. */
  existingDataKey(org: string): Buffer | undefined {
    const cached = this.cache.get(org);
    if (cached) return cached;
    const row = this.selectWrapped.get(org);
    if (!row) return undefined;
    let key: Buffer;
    try {
      key = open(this.masterKey, unpackBox(row.wrapped), wrapAad(org));
    } catch {
      throw new MasterKeyMismatchError(`the data key of org ${org} does not unwrap`);
    }
    this.cache.set(org, key);
    return key;
  }

  wipe(): void {
    for (const key of this.cache.values()) key.fill(0);
    this.cache.clear();
    this.masterKey.fill(0);
  }

  private createDataKey(org: string): Buffer {
    const key = randomBytes(AES_256_KEY_BYTES);
    const wrapped = packBox(seal(this.masterKey, key, wrapAad(org)));
    this.insertWrapped.run(org, wrapped, this.now().toISOString());
    key.fill(0);
    // Read back: if another connection created the org's key first, theirs is the one.
    const stored = this.existingDataKey(org);
    if (!stored) throw new Error(`the data key of org ${org} was not stored`);
    return stored;
  }
}
