import Database from 'better-sqlite3';
import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { SqlitePayloadStore } from '@warden/payload-store';
import { recordLedger, type RecordedLedger } from './support/recorded-ledger';
import { appendRows, copyDataDir, forge, nodeSigner, readRows, removeDirs, verifyCli, verifyJson, type LedgerRow } from './support/tamper';

const SECRET = 'secret-note-7f3a9c';

/** Runs `edit` on the copy's payload table (better-sqlite3 straight on ledger.db, as a forger would). */
function tamperPayloads<T>(dir: string, edit: (db: Database.Database) => T): T {
  const db = new Database(join(dir, 'ledger.db'), { fileMustExist: true });
  try {
    return edit(db);
  } finally {
    db.close();
  }
}

function masterKeyOf(dir: string): Buffer {
  return Buffer.from(readFileSync(join(dir, 'keys', 'payload-master.key'), 'utf8').trim(), 'base64');
}

/**
 * `warden verify --payloads` on a real gateway's data directory: every payload an envelope
 * references is read back (decrypted, salted digest checked), and an erasure counts only as a
 * signed PayloadsErased event (written by POST /v1/erasures) of the payload's organisation.
 */
describe('warden verify --payloads, and erasure through the API', () => {
  const scratch: string[] = [];
  let recorded: RecordedLedger | undefined;
  let pristine: string;
  let rows: LedgerRow[];
  /** A call's ToolCallDecided whose payload (the arguments) stays; and one erased through the API. */
  let kept: LedgerRow;
  let erasedEvent: LedgerRow;
  let erasureResponse: { status: number; body: any };
  let badRequests: Array<{ status: number; body: any }>;

  beforeAll(async () => {
    recorded = await recordLedger(
      'payload-writer',
      async (agent) => {
        for (let i = 0; i < 3; i++) await agent.callTool('echo', { text: `${SECRET} ${i}` });
      },
      async (h) => {
        await h.settled();
        const decided = readRows(h.dataDir).filter((r) => r.type === 'ToolCallDecided' && r.env.payload);
        expect(decided.length).toBe(3);
        erasedEvent = decided[0];
        kept = decided[1];
        erasureResponse = await h.api.request('POST', '/v1/erasures', { eventIds: [erasedEvent.id], reason: 'subject access request #12' });
        badRequests = [
          await h.api.request('POST', '/v1/erasures', { eventIds: [kept.id], reason: 'x' }, null),
          await h.api.request('POST', '/v1/erasures', { eventIds: ['not-an-id'], reason: 'x' }),
          await h.api.request('POST', '/v1/erasures', { eventIds: [], reason: 'x' }),
          await h.api.request('POST', '/v1/erasures', { eventIds: [kept.id] }),
          await h.api.request('POST', '/v1/erasures', { eventIds: [kept.id, randomUUID()], reason: 'x' }),
        ];
      },
    );
    pristine = recorded.dataDir;
    rows = readRows(pristine);
  }, 60_000);

  afterAll(async () => {
    await recorded?.close();
    removeDirs(scratch);
  });

  const copy = () => copyDataDir(pristine, scratch);

  async function expectPayloadProblem(dir: string, expected: { eventId: string; reason: string }) {
    const [text, { code, report }] = await Promise.all([verifyCli(dir, '--payloads'), verifyJson(dir, '--payloads')]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^ledger OK: /); // the ledger itself is intact: only the payloads are not
    expect(text.stdout).toContain(`payloads FAILED (read back with the payload key, digests verified): first bad payload of event ${expected.eventId}`);
    expect(text.stdout).toContain(`: ${expected.reason} — `);
    expect(text.stdout).not.toContain(SECRET);
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    expect((report as any).payloads.problems[0]).toMatchObject({ eventId: expected.eventId, reason: expected.reason });
    return (report as any).payloads;
  }

  describe('an erasure through the API', () => {
    it('answers 201 and records a signed, attributed PayloadsErased event on the org\'s erasure stream before the payload goes', () => {
      expect(erasureResponse.status).toBe(201);
      expect(erasureResponse.body).toMatchObject({ eventIds: [erasedEvent.id] });
      const event = rows.find((r) => r.type === 'PayloadsErased')!;
      expect(event).toMatchObject({ stream: `erasure-${recorded!.harness.orgId}`, id: erasureResponse.body.erasureEventId });
      expect(event.env).toMatchObject({ org: recorded!.harness.orgId, actor: { kind: 'user' }, data: { eventIds: [erasedEvent.id], reason: 'subject access request #12' } });
      const row = tamperPayloads(pristine, (db) => db.prepare('SELECT ciphertext, salt, erased_at FROM payloads WHERE event_id = ?').get(erasedEvent.id)) as any;
      expect(row).toMatchObject({ ciphertext: null, salt: null });
      expect(row.erased_at).toEqual(expect.any(String));
      expect(Date.parse(event.env.at.replace(/(\.\d{3})\d+Z$/, '$1Z'))).toBeLessThanOrEqual(Date.parse(row.erased_at)); // the event first
    });

    it('verifies with --payloads: the erased payload is accounted for, every other one read back', async () => {
      const [text, { code, report }] = await Promise.all([verifyCli(copy(), '--payloads'), verifyJson(copy(), '--payloads')]);
      expect(text.code).toBe(0);
      const referenced = rows.filter((r) => r.env.payload).length;
      expect(text.stdout).toContain(`payloads OK (read back with the payload key, digests verified): ${referenced} referenced, ${referenced - 1} present, 1 erased by PayloadsErased events`);
      expect(text.stdout).not.toContain(SECRET);
      expect(code).toBe(0);
      expect((report as any).payloads).toMatchObject({ ok: true, decrypted: true, erased: 1, present: referenced - 1, problems: [] });
    });

    it('without the payload key, checks presence only and says so', async () => {
      const dir = copy();
      renameSync(join(dir, 'keys', 'payload-master.key'), join(dir, 'elsewhere.key'));
      const text = await verifyCli(dir, '--payloads');
      expect(text.code).toBe(0);
      expect(text.stdout).toContain(`payloads OK (presence only: no payload key at ${join(dir, 'keys', 'payload-master.key')}, nothing decrypted)`);
      const withKey = await verifyCli(dir, '--payloads', '--payload-key', join(dir, 'elsewhere.key'));
      expect(withKey.stdout).toContain('payloads OK (read back with the payload key');
    });

    it('refuses bad requests and changes nothing: no key, bad bodies, an unknown event id', async () => {
      expect(badRequests.map((r) => r.status)).toEqual([401, 400, 400, 400, 404]);
      expect(badRequests[4].body.code).toBe('ERASURE.UNKNOWN_PAYLOAD');
      expect(JSON.stringify(badRequests)).not.toContain(SECRET);
      expect(rows.filter((r) => r.type === 'PayloadsErased')).toHaveLength(1); // the one good request's
      const row = tamperPayloads(pristine, (db) => db.prepare('SELECT ciphertext, erased_at FROM payloads WHERE event_id = ?').get(kept.id)) as any;
      expect(row.erased_at).toBeNull(); // named in the refused request beside an unknown id: still there
      expect(row.ciphertext).toBeInstanceOf(Buffer);
    });
  });

  describe('tampered payloads', () => {
    it('a flipped ciphertext byte: PAYLOAD_UNREADABLE', async () => {
      const dir = copy();
      tamperPayloads(dir, (db) => {
        const { ciphertext } = db.prepare('SELECT ciphertext FROM payloads WHERE event_id = ?').get(kept.id) as { ciphertext: Buffer };
        ciphertext[0] ^= 0x01;
        db.prepare('UPDATE payloads SET ciphertext = ? WHERE event_id = ?').run(ciphertext, kept.id);
      });
      await expectPayloadProblem(dir, { eventId: kept.id, reason: 'PAYLOAD_UNREADABLE' });
      // A --payload-key that is not there is bad usage, not a silent presence-only run.
      const missingKey = await verifyCli(dir, '--payloads', '--payload-key', join(dir, 'no-such.key'));
      expect(missingKey.code).toBe(2);
      expect(missingKey.stderr).toContain('no payload key at');
    });

    it('a payload re-encrypted (by someone holding the master key) with other content: PAYLOAD_DIGEST_MISMATCH', async () => {
      const dir = copy();
      const envelopeDigest = kept.env.payload!.digest;
      tamperPayloads(dir, (db) => db.prepare('DELETE FROM payloads WHERE event_id = ?').run(kept.id));
      const forger = new SqlitePayloadStore({ file: join(dir, 'ledger.db'), masterKey: masterKeyOf(dir) });
      await forger.put(kept.env.org, kept.id, { name: 'echo', arguments: { text: 'harmless' } });
      await forger.close();
      const first = await expectPayloadProblem(dir, { eventId: kept.id, reason: 'PAYLOAD_DIGEST_MISMATCH' });
      expect(first.problems[0].detail).toContain("payload row's digest");
      // And with the digest column put back to the envelope's, the read-back digest betrays it.
      tamperPayloads(dir, (db) => db.prepare('UPDATE payloads SET digest = ? WHERE event_id = ?').run(envelopeDigest, kept.id));
      const second = await expectPayloadProblem(dir, { eventId: kept.id, reason: 'PAYLOAD_DIGEST_MISMATCH' });
      expect(second.problems[0].detail).toContain('decrypts to content whose salted digest');
    });

    it('a deleted payload row: PAYLOAD_MISSING', async () => {
      const dir = copy();
      tamperPayloads(dir, (db) => db.prepare('DELETE FROM payloads WHERE event_id = ?').run(kept.id));
      await expectPayloadProblem(dir, { eventId: kept.id, reason: 'PAYLOAD_MISSING' });
    });

    it('an erasure without an event (a tombstone written straight into the table): PAYLOAD_ERASED_WITHOUT_EVENT', async () => {
      const dir = copy();
      tamperPayloads(dir, (db) =>
        db.prepare("UPDATE payloads SET salt = NULL, iv = NULL, ciphertext = NULL, tag = NULL, erased_at = '2026-11-25T04:10:57.000Z' WHERE event_id = ?").run(kept.id),
      );
      await expectPayloadProblem(dir, { eventId: kept.id, reason: 'PAYLOAD_ERASED_WITHOUT_EVENT' });
    });

    it('a payload row whose event is not in the ledger: PAYLOAD_ORPHAN', async () => {
      const dir = copy();
      const orphan = randomUUID();
      tamperPayloads(dir, (db) =>
        db
          .prepare('INSERT INTO payloads (event_id, org, salt, iv, ciphertext, tag, digest) SELECT ?, org, salt, iv, ciphertext, tag, digest FROM payloads WHERE event_id = ?')
          .run(orphan, kept.id),
      );
      const payloads = await expectPayloadProblem(dir, { eventId: orphan, reason: 'PAYLOAD_ORPHAN' });
      expect(payloads.problems).toHaveLength(1);
    });

    it('a PayloadsErased event naming a payload still there: ERASURE_INCOMPLETE', async () => {
      const dir = copy();
      const erasure = rows.find((r) => r.type === 'PayloadsErased')!;
      const tail = readRows(dir).filter((r) => r.stream === erasure.stream).at(-1)!.env;
      const second = forge(erasure.env, { seq: tail.seq + 1, prev: tail.hash }, nodeSigner(dir), { data: { eventIds: [kept.id], reason: 'second request' } });
      tamperPayloads(dir, (db) => appendRows(db, [second]));
      await expectPayloadProblem(dir, { eventId: kept.id, reason: 'ERASURE_INCOMPLETE' });
    });

    it('an erasure event of another organisation does not account for the payload', async () => {
      const dir = copy();
      const erasure = rows.find((r) => r.type === 'PayloadsErased')!;
      const other = forge(erasure.env, { seq: 0, prev: '0'.repeat(64) }, nodeSigner(dir), { org: 'another-org', stream: 'erasure-another-org', data: { eventIds: [kept.id], reason: 'x' } });
      tamperPayloads(dir, (db) => {
        appendRows(db, [other]);
        db.prepare('DELETE FROM payloads WHERE event_id = ?').run(kept.id);
      });
      await expectPayloadProblem(dir, { eventId: kept.id, reason: 'PAYLOAD_MISSING' });
    });
  });
});
