import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MasterKeyMismatchError } from '../payload-store.errors';
import { SqlitePayloadAudit } from './sqlite-payload-audit';
import { SqlitePayloadStore } from './sqlite-payload-store';

describe('SqlitePayloadAudit (read-only, for verify --payloads) on a real file', () => {
  let dir: string;
  let file: string;
  const masterKey = randomBytes(32);
  const digests: Record<string, string> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warden-payload-audit-'));
    file = join(dir, 'ledger.db');
    const store = new SqlitePayloadStore({ file, masterKey });
    digests.a = (await store.put('acme', 'ev-a', { secret: 'alpha' })).digest;
    digests.b = (await store.put('acme', 'ev-b', { secret: 'beta' })).digest;
    digests.c = (await store.put('umbrella', 'ev-c', { secret: 'gamma' })).digest;
    await store.erase('acme', 'ev-b');
    await store.close();
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists every row with its state, and recomputes the salted digest of what a payload decrypts to', () => {
    const audit = new SqlitePayloadAudit(file, masterKey);
    try {
      expect(audit.rows()).toEqual([
        { eventId: 'ev-a', org: 'acme', digest: digests.a, erasedAt: null, complete: true },
        { eventId: 'ev-b', org: 'acme', digest: digests.b, erasedAt: expect.any(String), complete: false },
        { eventId: 'ev-c', org: 'umbrella', digest: digests.c, erasedAt: null, complete: true },
      ]);
      expect(audit.readBack('ev-a')).toEqual({ ok: true, digest: digests.a });
      expect(audit.readBack('ev-c')).toEqual({ ok: true, digest: digests.c });
      expect(audit.readBack('ev-b')).toMatchObject({ ok: false });
      expect(audit.readBack('nope')).toEqual({ ok: false, detail: 'no payload row' });
      expect(JSON.stringify(audit.readBack('ev-a'))).not.toContain('alpha');
    } finally {
      audit.close();
    }
  });

  it('reports a flipped ciphertext byte as unreadable, not as content', () => {
    const db = new Database(file);
    const { ciphertext } = db.prepare("SELECT ciphertext FROM payloads WHERE event_id = 'ev-c'").get() as { ciphertext: Buffer };
    ciphertext[0] ^= 1;
    db.prepare("UPDATE payloads SET ciphertext = ? WHERE event_id = 'ev-c'").run(ciphertext);
    db.close();
    const audit = new SqlitePayloadAudit(file, masterKey);
    try {
      expect(audit.readBack('ev-c')).toEqual({ ok: false, detail: expect.stringContaining('AES-GCM authentication failed') });
    } finally {
      audit.close();
    }
  });

  it('refuses another master key, and without one lists rows but decrypts nothing', () => {
    expect(() => new SqlitePayloadAudit(file, randomBytes(32))).toThrow(MasterKeyMismatchError);
    const audit = new SqlitePayloadAudit(file);
    try {
      expect(audit.canDecrypt).toBe(false);
      expect(audit.rows()).toHaveLength(3);
      expect(audit.readBack('ev-a')).toEqual({ ok: false, detail: 'no payload master key' });
    } finally {
      audit.close();
    }
  });

  it('writes nothing, even to a ledger file with no payload tables', () => {
    const bare = join(dir, 'bare.db');
    new Database(bare).close();
    const before = readFileSync(bare);
    const audit = new SqlitePayloadAudit(bare, masterKey);
    expect(audit.rows()).toEqual([]);
    audit.close();
    expect(readFileSync(bare).equals(before)).toBe(true);
  });
});
