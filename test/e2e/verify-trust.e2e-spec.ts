import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createEd25519Signer, fingerprintOf, generateEd25519KeyPair, KEY_REVOKED_TYPE, publicKeyFromPem } from '@warden/ledger';
import { recordLedger, type RecordedLedger } from './support/recorded-ledger';
import {
  appendRows,
  appendStoredRows,
  copyDataDir,
  forge,
  nodeSigner,
  readRows,
  removeDirs,
  resign,
  rootSigner,
  sealedStream,
  setColumns,
  setData,
  tamper,
  verifyCli,
  verifyJson,
  type LedgerRow,
} from './support/tamper';

/**
 * What `warden verify` trusts, checked on copies of a real gateway's stopped data directory:
 * the root key (printed, pinnable), the row's columns against its envelope, what the root key
 * may sign, key revocation, and the problem cap.
 */
describe('warden verify: pinning, rows vs envelopes, root-signed events, revocation', () => {
  const scratch: string[] = [];
  let recorded: RecordedLedger | undefined;
  let pristine: string;
  let rows: LedgerRow[];
  let rootFingerprint: { kid: string; sha256: string };
  let call: LedgerRow;

  beforeAll(async () => {
    recorded = await recordLedger('trust-writer', async (agent) => {
      for (let i = 0; i < 3; i++) await agent.callTool('echo', { text: `call ${i}` });
    });
    pristine = recorded.dataDir;
    rows = readRows(pristine);
    rootFingerprint = fingerprintOf(publicKeyFromPem(readFileSync(join(pristine, 'keys', 'root.key.pub'), 'utf8')));
    call = rows.find((r) => r.type === 'ToolCallDecided')!;
    expect(call).toBeDefined();
  }, 60_000);

  afterAll(async () => {
    await recorded?.close();
    removeDirs(scratch);
  });

  const copy = () => copyDataDir(pristine, scratch);
  const streamTail = (dir: string, stream: string) => readRows(dir).filter((r) => r.stream === stream).at(-1)!.env;

  async function expectFirst(dir: string, expected: { position: number; reason: string; detail?: RegExp }) {
    const [text, { code, report }] = await Promise.all([verifyCli(dir), verifyJson(dir, '--workers', '0')]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(new RegExp(`^ledger FAILED: first bad event at position ${expected.position}[ :].*: ${expected.reason} — `));
    expect(code).toBe(1);
    expect(report.firstProblem).toMatchObject({ position: expected.position, reason: expected.reason });
    if (expected.detail) expect(report.firstProblem!.detail).toMatch(expected.detail);
    return report;
  }

  describe('the root key (item 4)', () => {
    it('prints its fingerprint on every run, and that it is not pinned', async () => {
      const dir = copy();
      const text = await verifyCli(dir);
      expect(text.code).toBe(0);
      const lines = text.stdout.trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^ledger OK: /);
      expect(lines[1]).toBe(
        `root key ${rootFingerprint.kid} (sha256 ${rootFingerprint.sha256}): NOT pinned — an auditor must pass --root-fingerprint from a copy kept apart from this ledger`,
      );
      const { report } = await verifyJson(dir);
      expect(report.rootKey).toEqual({ ...rootFingerprint, pinned: false });
    });

    it('accepts a pin given as the kid or as the hex SHA-256 (any case)', async () => {
      const dir = copy();
      for (const pin of [rootFingerprint.kid, rootFingerprint.sha256.toUpperCase()]) {
        const text = await verifyCli(dir, '--root-fingerprint', pin);
        expect(text.code).toBe(0);
        expect(text.stdout).toContain(`root key ${rootFingerprint.kid} (sha256 ${rootFingerprint.sha256}): matches the pinned fingerprint`);
      }
      const { code, report } = await verifyJson(dir, '--root-fingerprint', rootFingerprint.kid);
      expect(code).toBe(0);
      expect(report.rootKey!.pinned).toBe(true);
    });

    it('a forger who replaced the root key file and re-signed the ledger passes without the pin, and fails with it', async () => {
      const dir = copy();
      const forgedRoot = generateEd25519KeyPair();
      const forger = createEd25519Signer(forgedRoot.privateKeyPem);
      // Re-sign the key stream (the node key's registration) with the forger's root; every later row stays.
      const keyRows = rows.filter((r) => r.stream === 'platform-keys');
      expect(keyRows).toHaveLength(1);
      tamper(dir, (db) => setData(db, keyRows[0].position, resign(keyRows[0].env, forger)));
      writeFileSync(join(dir, 'keys', 'root.key.pub'), forgedRoot.publicKeyPem);
      expect((await verifyCli(dir)).code).toBe(0); // what the pin is for

      rmSync(join(dir, 'ledger.db')); // the pin is checked before anything else is read
      const pinned = await verifyCli(dir, '--root-fingerprint', rootFingerprint.kid);
      expect(pinned.code).toBe(1);
      expect(pinned.stdout).toBe('');
      expect(pinned.stderr).toContain('root key mismatch');
      expect(pinned.stderr).toContain(forgedRoot.kid);
      expect(pinned.stderr).toContain(`not the pinned ${rootFingerprint.kid}`);
    });

    it('exits 2 for a pin that is neither a kid nor a SHA-256', async () => {
      const result = await verifyCli(copy(), '--root-fingerprint', rootFingerprint.sha256.slice(0, 20));
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^warden: --root-fingerprint must be/);
    });

    it('an ordinary event signed by the root key fails there (ROOT_SIGNED_EVENT)', async () => {
      const dir = copy();
      const tail = streamTail(dir, call.stream);
      const byRoot = forge(call.env, { seq: tail.seq + 1, prev: tail.hash }, rootSigner(dir));
      const [at] = tamper(dir, (db) => appendRows(db, [byRoot]));
      await expectFirst(dir, { position: at, reason: 'ROOT_SIGNED_EVENT' });
    });
  });

  describe('the row against its envelope (item 6)', () => {
    it('a whole stream copied verbatim under a new name fails at its first row (STREAM_MISMATCH)', async () => {
      const dir = copy();
      const original = rows.filter((r) => r.stream === call.stream);
      const positions = tamper(dir, (db) => appendStoredRows(db, original.map((r) => ({ env: r.env, stream: `${call.stream}-copy`, id: randomUUID() }))));
      await expectFirst(dir, { position: positions[0], reason: 'STREAM_MISMATCH', detail: new RegExp(`stored as ${call.stream}-copy@0`) });
    });

    it('an edited id column fails there (ROW_MISMATCH naming the id)', async () => {
      const dir = copy();
      tamper(dir, (db) => setColumns(db, call.position, { id: randomUUID() }));
      await expectFirst(dir, { position: call.position, reason: 'ROW_MISMATCH', detail: /^id: / });
    });

    it('an edited type column fails there (ROW_MISMATCH naming the type)', async () => {
      const dir = copy();
      tamper(dir, (db) => setColumns(db, call.position, { type: 'ToolCallCompleted' }));
      await expectFirst(dir, { position: call.position, reason: 'ROW_MISMATCH', detail: /^type: / });
    });
  });

  describe('key revocation', () => {
    function revoke(dir: string, kid: string) {
      const keysTail = streamTail(dir, 'platform-keys');
      return forge(keysTail, { seq: keysTail.seq + 1, prev: keysTail.hash }, rootSigner(dir), {
        type: KEY_REVOKED_TYPE,
        data: { kid, reason: 'node key compromised' },
      });
    }

    it('a root-signed revocation alone verifies; a row the revoked node key signs after it fails (KEY_REVOKED)', async () => {
      const dir = copy();
      const node = nodeSigner(dir);
      const [revokedAt] = tamper(dir, (db) => appendRows(db, [revoke(dir, node.kid)]));
      expect((await verifyJson(dir)).code).toBe(0);

      const tail = streamTail(dir, call.stream);
      const late = forge(call.env, { seq: tail.seq + 1, prev: tail.hash }, node);
      const [lateAt] = tamper(dir, (db) => appendRows(db, [late]));
      await expectFirst(dir, { position: lateAt, reason: 'KEY_REVOKED', detail: new RegExp(`revoked by the root at position ${revokedAt}`) });
    });

    it('a revocation signed by the node key is rejected and revokes nothing', async () => {
      const dir = copy();
      const node = nodeSigner(dir);
      const keysTail = streamTail(dir, 'platform-keys');
      const rogue = forge(keysTail, { seq: keysTail.seq + 1, prev: keysTail.hash }, node, { type: KEY_REVOKED_TYPE, data: { kid: node.kid, reason: 'x' } });
      const [at] = tamper(dir, (db) => appendRows(db, [rogue]));
      const report = await expectFirst(dir, { position: at, reason: 'KEY_REGISTRATION_NOT_BY_ROOT' });
      expect(report.problems).toHaveLength(1);
    });

    it('revoking a key nobody registered fails there (KEY_REVOCATION_INVALID)', async () => {
      const dir = copy();
      const [at] = tamper(dir, (db) => appendRows(db, [revoke(dir, generateEd25519KeyPair().kid)]));
      await expectFirst(dir, { position: at, reason: 'KEY_REVOCATION_INVALID' });
    });
  });

  describe('the problem cap (item 9)', () => {
    it('says "at least 100 problems" and problemsCapped when there are more', async () => {
      const dir = copy();
      const stranger = createEd25519Signer(generateEd25519KeyPair().privateKeyPem);
      tamper(dir, (db) => appendRows(db, sealedStream('platform-strange', 120, stranger)));
      const text = await verifyCli(dir);
      expect(text.code).toBe(1);
      expect(text.stdout).toContain('\nat least 100 problem(s) in ');
      const { report } = await verifyJson(dir);
      expect(report).toMatchObject({ ok: false, problemsCapped: true });
      expect(report.problems).toHaveLength(100);
    });

    it('gives the exact count, not capped, below the cap', async () => {
      const dir = copy();
      const stranger = createEd25519Signer(generateEd25519KeyPair().privateKeyPem);
      tamper(dir, (db) => appendRows(db, sealedStream('platform-strange', 7, stranger)));
      const text = await verifyCli(dir);
      expect(text.stdout).toMatch(/\n7 problem\(s\) in /);
      expect((await verifyJson(dir)).report.problemsCapped).toBe(false);
    });
  });
});
