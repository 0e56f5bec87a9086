import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEd25519Signer, generateEd25519KeyPair, toBase64Url } from '@warden/ledger';
import { connectAgent } from '../fixtures/agent-clients';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { startHarness, type Harness } from './support/gateway-harness';
import {
  appendRows,
  CLI,
  copyDataDir,
  forge,
  insertRow,
  nodeSigner,
  readRows,
  removeDirs,
  resign,
  runCli,
  sealedStream,
  setData,
  shiftPositions,
  tamper,
  verifyCli,
  verifyJson,
  type CliResult,
  type JsonReport,
  type LedgerRow,
} from './support/tamper';

/**
 * The promise, checked as a user would: the compiled `warden verify` against a ledger a
 * real gateway wrote, then against copies of it edited directly in SQLite (modified, deleted,
 * reordered, inserted and re-signed rows). Each scenario works on its own copy of the stopped
 * gateway's data directory; the untouched copy must verify, so every failure is the tampering's.
 */
describe('warden verify (compiled CLI) on a real ledger tampered with on disk', () => {
  const scratch: string[] = [];
  let upstream: LegacyMcpServer | undefined;
  let h: Harness | undefined;
  let pristine: string;
  let rows: LedgerRow[];
  /** The denied ToolCallDecided (write_note is in review), and the next event of its stream. */
  let denied: LedgerRow;
  let afterDenied: LedgerRow;

  beforeAll(async () => {
    if (!existsSync(CLI)) {
      throw new Error(`the compiled CLI ${CLI} is missing: run \`npm run build\` before jest (npm test does)`);
    }
    upstream = await startLegacyMcpServer();
    // No checkpoints on this ledger: the cases below are each caught by the chain and position checks alone.
    h = await startHarness({ WARDEN_CHECKPOINT_EVERY_EVENTS: '10000000', WARDEN_CHECKPOINT_EVERY_MS: '0' });
    const server = await h.api.registerServer('Notes', 'notes', upstream.url);
    await h.api.approve(server.serverId, 'echo', 'read');
    const { apiKey } = await h.api.registerAgent('ledger-writer');
    const agent = await connectAgent(`${h.url}/mcp/notes`, { revision: '2025-11-25', headers: { authorization: `Bearer ${apiKey}` } });
    try {
      for (let i = 0; i < 5; i++) await agent.callTool('echo', { text: `call ${i}` });
      await expect(agent.callTool('write_note', { id: 'n1', text: 'x' })).rejects.toMatchObject({ data: { reason: 'GATE.TOOL_IN_REVIEW' } });
      for (let i = 5; i < 9; i++) await agent.callTool('echo', { text: `call ${i}` });
    } finally {
      await agent.close();
    }
    await h.stop();
    pristine = h.dataDir;
    rows = readRows(pristine);
    denied = rows.find((r) => r.type === 'ToolCallDecided' && r.env.data.decision === 'deny')!;
    expect(denied).toBeDefined();
    afterDenied = rows.find((r) => r.stream === denied.stream && r.revision === denied.revision + 1)!;
    expect(afterDenied).toBeDefined();
  }, 60_000);

  afterAll(async () => {
    await h?.cleanup();
    await upstream?.close();
    removeDirs(scratch);
  });

  const copy = () => copyDataDir(pristine, scratch);
  const reasonsOf = (reason: string | string[]) => (Array.isArray(reason) ? reason : [reason]);

  /** Both output forms must name the same first bad event; returns the JSON report. */
  async function expectFirstBadEvent(dir: string, expected: { position: number; id?: string; reason: string | string[] }): Promise<JsonReport> {
    const [text, { code, report }] = await Promise.all([verifyCli(dir), verifyJson(dir, '--workers', '0')]);
    expect(text.code).toBe(1);
    expect(text.stderr).toBe('');
    expect(text.stdout).toMatch(new RegExp(`^ledger FAILED: first bad event at position ${expected.position}[ :]`));
    if (expected.id) expect(text.stdout).toContain(`id ${expected.id}`);
    expect(reasonsOf(expected.reason).some((r) => text.stdout.includes(`: ${r} — `))).toBe(true);

    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    expect(report.firstProblem!.position).toBe(expected.position);
    if (expected.id) expect(report.firstProblem!.eventId).toBe(expected.id);
    expect(reasonsOf(expected.reason)).toContain(report.firstProblem!.reason);
    return report;
  }

  describe('an untouched ledger', () => {
    it('verifies: exit 0, with the counts of events, streams and keys', async () => {
      const dir = copy();
      const result = await verifyCli(dir);
      const streams = new Set(rows.map((r) => r.stream)).size;
      expect(rows.length).toBeGreaterThanOrEqual(30);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toMatch(new RegExp(`^ledger OK: ${rows.length} events in ${streams} streams, 2 keys, every signature and chain link verified \\(`));
      // The verdict, then the root key's fingerprint (see verify-trust.e2e-spec.ts).
      expect(result.stdout.trim().split('\n')).toHaveLength(2);
    });

    it('prints one parseable JSON report with --json', async () => {
      const { code, report, stderr } = await verifyJson(copy());
      expect(code).toBe(0);
      expect(stderr).toBe('');
      expect(report).toMatchObject({ ok: true, events: rows.length, streams: new Set(rows.map((r) => r.stream)).size, keys: 2, problems: [] });
      expect(report.firstProblem).toBeUndefined();
    });

    it('takes the data directory from WARDEN_DATA_DIR when --data-dir is not given', async () => {
      const result = await runCli(['verify'], { env: { WARDEN_DATA_DIR: copy() } });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`ledger OK: ${rows.length} events`);
    });
  });

  describe('tampering', () => {
    it('(1) a modified field (deny → allow) fails at that event with HASH_MISMATCH', async () => {
      const dir = copy();
      tamper(dir, (db) => setData(db, denied.position, { ...denied.env, data: { ...denied.env.data, decision: 'allow' } }));
      expect(readRows(dir).find((r) => r.position === denied.position)!.env.data.decision).toBe('allow');
      const text = await verifyCli(dir);
      expect(text.stdout).toContain(`${denied.stream}@${denied.revision}`);
      await expectFirstBadEvent(dir, { position: denied.position, id: denied.id, reason: 'HASH_MISMATCH' });
    });

    it('(1b) a modified signature fails at that event with BAD_SIGNATURE', async () => {
      const dir = copy();
      const sig = denied.env.sig;
      const flipped = `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
      tamper(dir, (db) => setData(db, denied.position, { ...denied.env, sig: flipped }));
      await expectFirstBadEvent(dir, { position: denied.position, id: denied.id, reason: 'BAD_SIGNATURE' });
    });

    it('(1c) a row whose data is no longer JSON fails at that position (MALFORMED)', async () => {
      const dir = copy();
      tamper(dir, (db) => db.prepare('UPDATE events SET data = ? WHERE position = ?').run('{"decision": allow', denied.position));
      const report = await expectFirstBadEvent(dir, { position: denied.position, reason: 'MALFORMED' });
      expect(report.firstProblem!.detail).toContain('cannot be read');
    });

    it('(1d) bytes patched in the database file itself (no SQL) fail at that event with HASH_MISMATCH', async () => {
      const dir = copy();
      const file = join(dir, 'ledger.db');
      tamper(dir, () => undefined); // a read-write open and close checkpoints the WAL into the main file
      expect(existsSync(`${file}-wal`)).toBe(false);
      const bytes = readFileSync(file);
      const needle = Buffer.from('"decision":"deny"');
      let patched = 0;
      for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1)) {
        bytes.write('"decision":"DENY"', at, 'latin1');
        patched++;
      }
      expect(patched).toBeGreaterThan(0);
      writeFileSync(file, bytes);
      expect(readRows(dir).find((r) => r.position === denied.position)!.env.data.decision).toBe('DENY');
      await expectFirstBadEvent(dir, { position: denied.position, id: denied.id, reason: 'HASH_MISMATCH' });
    });

    it('(2) a deleted row fails at the next event (POSITION_GAP)', async () => {
      const dir = copy();
      tamper(dir, (db) => db.prepare('DELETE FROM events WHERE position = ?').run(denied.position));
      const report = await expectFirstBadEvent(dir, { position: denied.position + 1, id: afterDenied.id, reason: 'POSITION_GAP' });
      expect(report.events).toBe(rows.length - 1);
    });

    it('(2b) a deleted row with the later positions renumbered fails at the next event of its stream (SEQ_GAP)', async () => {
      const dir = copy();
      tamper(dir, (db) => {
        db.prepare('DELETE FROM events WHERE position = ?').run(denied.position);
        shiftPositions(db, denied.position + 1, -1);
      });
      expect(readRows(dir).map((r) => r.position)).toEqual(Array.from({ length: rows.length - 1 }, (_, i) => i + 1));
      const next = readRows(dir).find((r) => r.id === afterDenied.id)!;
      await expectFirstBadEvent(dir, { position: next.position, id: afterDenied.id, reason: ['SEQ_GAP', 'PREV_MISMATCH'] });
    });

    it('(2c) deleting the first row (the root-signed key registration) fails at once', async () => {
      const dir = copy();
      tamper(dir, (db) => db.prepare('DELETE FROM events WHERE position = 1').run());
      await expectFirstBadEvent(dir, { position: 2, reason: 'POSITION_GAP' });
    });

    it('(2d) deleting the newest row fails: the stream table still records it (STREAM_HEAD_MISMATCH)', async () => {
      const dir = copy();
      const last = rows[rows.length - 1];
      tamper(dir, (db) => db.prepare('DELETE FROM events WHERE position = ?').run(last.position));
      await expectFirstBadEvent(dir, { position: last.position, reason: 'STREAM_HEAD_MISMATCH' });
    });

    it('(3) two rows of one stream swapped (data, id, stream, revision) fail at the first swapped position', async () => {
      const dir = copy();
      tamper(dir, (db) => {
        const move = db.prepare('UPDATE events SET id = ?, stream = ?, revision = ?, type = ?, data = ? WHERE position = ?');
        move.run('tmp', 'tmp', -1, 'tmp', '{}', denied.position); // frees the unique id and (stream, revision)
        move.run(denied.id, denied.stream, denied.revision, denied.type, JSON.stringify(denied.env), afterDenied.position);
        move.run(afterDenied.id, afterDenied.stream, afterDenied.revision, afterDenied.type, JSON.stringify(afterDenied.env), denied.position);
      });
      const swapped = readRows(dir);
      expect(swapped.find((r) => r.position === denied.position)!.id).toBe(afterDenied.id);
      await expectFirstBadEvent(dir, { position: denied.position, id: afterDenied.id, reason: ['SEQ_GAP', 'SEQ_DUPLICATE_OR_REORDERED', 'PREV_MISMATCH'] });
    });

    it('(3b) a row whose envelope was moved under another stream revision fails with STREAM_MISMATCH', async () => {
      const dir = copy();
      tamper(dir, (db) => {
        setData(db, denied.position, afterDenied.env);
        setData(db, afterDenied.position, denied.env);
      });
      await expectFirstBadEvent(dir, { position: denied.position, id: afterDenied.id, reason: 'STREAM_MISMATCH' });
    });

    it('(4) a forged row appended with a wrong prev, hashed and signed with the real node key, fails there (PREV_MISMATCH)', async () => {
      const dir = copy();
      const node = nodeSigner(dir);
      const tail = rows.filter((r) => r.stream === denied.stream).at(-1)!;
      // Claims the next seq of the calls stream but links to an older event: a fork.
      const forged = forge(denied.env, { seq: tail.revision + 1, prev: denied.env.prev }, node, { data: { ...denied.env.data, decision: 'allow' } });
      const [position] = tamper(dir, (db) => appendRows(db, [forged]));
      expect(position).toBe(rows.length + 1);
      await expectFirstBadEvent(dir, { position, id: forged.id, reason: 'PREV_MISMATCH' });
    });

    it('(4b) a forged row claiming a seq already used fails there', async () => {
      const dir = copy();
      const node = nodeSigner(dir);
      const tail = rows.filter((r) => r.stream === denied.stream).at(-1)!;
      // The unique (stream, revision) index keeps the store from holding two rows at one revision,
      // so the forger stores it at the next free revision; its envelope still says the old seq.
      const forged = forge(denied.env, { seq: denied.revision, prev: denied.env.prev }, node, { data: { ...denied.env.data, decision: 'allow' } });
      const position = rows.length + 1;
      tamper(dir, (db) => insertRow(db, position, forged, { revision: tail.revision + 1 }));
      await expectFirstBadEvent(dir, { position, id: forged.id, reason: ['STREAM_MISMATCH', 'SEQ_DUPLICATE_OR_REORDERED'] });
    });

    it('(4c) a forged row inserted in the middle (later positions moved up) fails there', async () => {
      const dir = copy();
      const stranger = createEd25519Signer(generateEd25519KeyPair().privateKeyPem);
      const forged = forge(denied.env, { seq: 0, prev: '0'.repeat(64) }, stranger, { stream: 'forged-stream' });
      tamper(dir, (db) => {
        shiftPositions(db, denied.position, +1);
        insertRow(db, denied.position, forged);
      });
      await expectFirstBadEvent(dir, { position: denied.position, id: forged.id, reason: 'UNKNOWN_KEY' });
    });

    it('(5) a modified event re-signed with a new key fails there with UNKNOWN_KEY', async () => {
      const dir = copy();
      const stranger = createEd25519Signer(generateEd25519KeyPair().privateKeyPem);
      const resigned = resign({ ...denied.env, data: { ...denied.env.data, decision: 'allow' } }, stranger);
      tamper(dir, (db) => setData(db, denied.position, resigned));
      const report = await expectFirstBadEvent(dir, { position: denied.position, id: denied.id, reason: 'UNKNOWN_KEY' });
      expect(report.firstProblem!.detail).toContain(stranger.kid);
    });

    it('(5b) re-signed with a new key while keeping the node key id fails there with BAD_SIGNATURE', async () => {
      const dir = copy();
      const stranger = createEd25519Signer(generateEd25519KeyPair().privateKeyPem);
      const node = nodeSigner(dir);
      const impostor = { kid: node.kid, publicKey: node.publicKey, sign: (m: Uint8Array) => stranger.sign(m) };
      tamper(dir, (db) => setData(db, denied.position, resign({ ...denied.env, data: { ...denied.env.data, decision: 'allow' } }, impostor)));
      await expectFirstBadEvent(dir, { position: denied.position, id: denied.id, reason: 'BAD_SIGNATURE' });
    });

    it('(6) a modified event re-signed with the real node key (an insider) breaks the chain at the next event (PREV_MISMATCH)', async () => {
      const dir = copy();
      const resigned = resign({ ...denied.env, data: { ...denied.env.data, decision: 'allow' } }, nodeSigner(dir));
      tamper(dir, (db) => setData(db, denied.position, resigned));
      const report = await expectFirstBadEvent(dir, { position: afterDenied.position, id: afterDenied.id, reason: 'PREV_MISMATCH' });
      // The re-signed event itself verifies: its hash and signature are right, only its successor betrays it.
      expect(report.problems.some((p: any) => p.position === denied.position)).toBe(false);
    });

    it('(7) a KeyRegistered forged with the node key (not the root) fails there, and so does what its key signs', async () => {
      const dir = copy();
      const node = nodeSigner(dir);
      const rogue = createEd25519Signer(generateEd25519KeyPair().privateKeyPem);
      const keyRows = rows.filter((r) => r.stream === 'platform-keys');
      const lastKey = keyRows.at(-1)!.env;
      const registration = forge(lastKey, { seq: lastKey.seq + 1, prev: lastKey.hash }, node, {
        data: { kid: rogue.kid, publicKey: toBase64Url(rogue.publicKey), role: 'node', nodeId: 'node-9' },
      });
      const tail = rows.filter((r) => r.stream === denied.stream).at(-1)!.env;
      const rogueDecision = forge(denied.env, { seq: tail.seq + 1, prev: tail.hash }, rogue, { data: { ...denied.env.data, decision: 'allow' } });
      const [regAt, decisionAt] = tamper(dir, (db) => appendRows(db, [registration, rogueDecision]));
      const report = await expectFirstBadEvent(dir, { position: regAt, id: registration.id, reason: 'KEY_REGISTRATION_NOT_BY_ROOT' });
      expect(report.keys).toBe(2);
      expect(report.problems).toEqual(expect.arrayContaining([expect.objectContaining({ position: decisionAt, reason: 'UNKNOWN_KEY' })]));
    });

    it('(7b) a KeyRegistered signed by the key it registers (self-signed) fails there with UNKNOWN_KEY', async () => {
      const dir = copy();
      const rogue = createEd25519Signer(generateEd25519KeyPair().privateKeyPem);
      const lastKey = rows.filter((r) => r.stream === 'platform-keys').at(-1)!.env;
      const registration = forge(lastKey, { seq: lastKey.seq + 1, prev: lastKey.hash }, rogue, {
        data: { kid: rogue.kid, publicKey: toBase64Url(rogue.publicKey), role: 'node', nodeId: 'node-9' },
      });
      const [regAt] = tamper(dir, (db) => appendRows(db, [registration]));
      await expectFirstBadEvent(dir, { position: regAt, id: registration.id, reason: 'UNKNOWN_KEY' });
    });

    it('rejects the whole ledger when checked against another root key', async () => {
      const dir = copy();
      const result = await verifyCli(dir, '--root-key', join(dir, 'keys', 'node-1.key.pub'));
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('ledger FAILED: first bad event at position 1 ');
      expect(result.stdout).toContain('UNKNOWN_KEY');
    });
  });

  describe('with signed checkpoints (a gateway that checkpoints after every event)', () => {
    let checkpointed: string;
    let cpRows: LedgerRow[];
    let cpHarness: Harness | undefined;

    beforeAll(async () => {
      cpHarness = await startHarness({ WARDEN_CHECKPOINT_EVERY_EVENTS: '1', WARDEN_CHECKPOINT_EVERY_MS: '0' });
      const server = await cpHarness.api.registerServer('Notes', 'notes', upstream!.url);
      const { apiKey } = await cpHarness.api.registerAgent('ledger-writer');
      await cpHarness.api.approve(server.serverId, 'echo', 'read');
      const agent = await connectAgent(`${cpHarness.url}/mcp/notes`, { revision: '2025-11-25', headers: { authorization: `Bearer ${apiKey}` } });
      try {
        for (let i = 0; i < 4; i++) await agent.callTool('echo', { text: `call ${i}` });
      } finally {
        await agent.close();
      }
      await cpHarness.settled();
      await cpHarness.stop();
      checkpointed = cpHarness.dataDir;
      cpRows = readRows(checkpointed);
    }, 60_000);

    afterAll(async () => {
      await cpHarness?.cleanup();
    });

    const cpCopy = () => copyDataDir(checkpointed, scratch);
    /** The first checkpoint problem: a CheckpointSigned of the tampered org after the tampered rows. */
    async function expectCheckpointMismatch(dir: string, after: number): Promise<void> {
      const { code, report } = await verifyJson(dir);
      expect(code).toBe(1);
      expect(report.firstProblem).toMatchObject({ reason: 'CHECKPOINT_MISMATCH' });
      const at = readRows(dir).find((r) => r.position === report.firstProblem!.position)!;
      expect(at.type).toBe('CheckpointSigned');
      expect(at.position).toBeGreaterThan(after);
      const text = await verifyCli(dir);
      expect(text.code).toBe(1);
      expect(text.stdout).toMatch(/CHECKPOINT_MISMATCH — the checkpoint of .* does not match the log recomputed in commit order/);
    }

    it('(control) the untouched ledger verifies, its checkpoints included', async () => {
      const { code, report } = await verifyJson(cpCopy());
      expect(code).toBe(0);
      expect(report.checkpoints).toBe(cpRows.filter((r) => r.type === 'CheckpointSigned').length);
      expect(report.checkpoints).toBeGreaterThan(5);
    });

    it('sees the end of a stream deleted, the later positions renumbered and the stream table edited to match', async () => {
      const dir = cpCopy();
      const victim = cpRows.find((r) => r.type === 'AgentRegistered')!;
      expect(cpRows.filter((r) => r.stream === victim.stream)).toHaveLength(1);
      tamper(dir, (db) => {
        db.prepare('DELETE FROM events WHERE position = ?').run(victim.position);
        db.prepare('DELETE FROM streams WHERE stream = ?').run(victim.stream);
        shiftPositions(db, victim.position + 1, -1);
        db.prepare('UPDATE streams SET position = position - 1 WHERE position > ?').run(victim.position);
      });
      await expectCheckpointMismatch(dir, victim.position - 1);
    });

    it('sees two adjacent rows of different streams of one organisation swapped (each stream’s chain intact)', async () => {
      const dir = cpCopy();
      const a = cpRows.find((r) => r.type === 'AgentRegistered')!;
      const b = cpRows.find((r) => r.position === a.position + 1)!;
      expect(b.stream).not.toBe(a.stream);
      expect(b.env.org).toBe(a.env.org);
      tamper(dir, (db) => {
        db.prepare('UPDATE events SET position = -1 WHERE position = ?').run(a.position);
        db.prepare('UPDATE events SET position = ? WHERE position = ?').run(a.position, b.position);
        db.prepare('UPDATE events SET position = ? WHERE position = -1').run(b.position);
      });
      expect(readRows(dir).find((r) => r.position === a.position)!.id).toBe(b.id);
      await expectCheckpointMismatch(dir, a.position);
    });

    it('sees a ToolApproved moved behind the calls it allowed (no other event of its stream in between)', async () => {
      const dir = cpCopy();
      const approved = cpRows.find((r) => r.type === 'ToolApproved')!;
      const firstCall = cpRows.find((r) => r.type === 'ToolCallDecided' && r.position > approved.position)!;
      const between = cpRows.filter((r) => r.position > approved.position && r.position <= firstCall.position);
      expect(between.some((r) => r.stream === approved.stream)).toBe(false);
      tamper(dir, (db) => {
        db.prepare('UPDATE events SET position = -1 WHERE position = ?').run(approved.position);
        for (const row of between) db.prepare('UPDATE events SET position = ? WHERE position = ?').run(row.position - 1, row.position);
        db.prepare('UPDATE events SET position = ? WHERE position = -1').run(firstCall.position);
        db.prepare('UPDATE streams SET position = ? WHERE stream = ? AND position = ?').run(firstCall.position, approved.stream, approved.position);
      });
      const moved = readRows(dir);
      expect(moved.findIndex((r) => r.id === approved.id)).toBeGreaterThan(moved.findIndex((r) => r.id === firstCall.id));
      await expectCheckpointMismatch(dir, approved.position);
    });

    it('(limit, documented) does not see the newest row deleted with the stream table edited, when no checkpoint covers it yet', async () => {
      const dir = cpCopy();
      const last = cpRows[cpRows.length - 1];
      // A checkpoint covering a row comes after it: the newest row is covered by none.
      const previous = cpRows.filter((r) => r.stream === last.stream && r.revision === last.revision - 1)[0];
      tamper(dir, (db) => {
        db.prepare('DELETE FROM events WHERE position = ?').run(last.position);
        db.prepare('UPDATE streams SET revision = ?, position = ? WHERE stream = ?').run(previous.revision, previous.position, last.stream);
      });
      const { code, report } = await verifyJson(dir);
      expect(code).toBe(0);
      expect(report.events).toBe(cpRows.length - 1);
    });
  });

  describe('a long ledger (10,000 more events, appended correctly by an insider with the node key)', () => {
    const BULK = 10_000;
    let bulk: string;
    let tampered: string;
    let tamperedAt: LedgerRow;

    beforeAll(() => {
      bulk = copy();
      tamper(bulk, (db) => appendRows(db, sealedStream('platform-bulk', BULK, nodeSigner(bulk))));
      tampered = copyDataDir(bulk, scratch);
      tamperedAt = readRows(tampered).find((r) => r.stream === 'platform-bulk' && r.revision === 6543)!;
      tamper(tampered, (db) => setData(db, tamperedAt.position, { ...tamperedAt.env, data: { i: -1 } }));
    });

    it('gives the same verdict with --workers 0 and --workers 2, page order kept across workers', async () => {
      const strip = ({ seconds: _s, eventsPerSecond: _e, ...rest }: JsonReport & { seconds?: number; eventsPerSecond?: number }) => rest;
      const [inline, threaded] = await Promise.all(['0', '2'].map((workers) => verifyJson(tampered, '--workers', workers)));
      expect({ code: inline.code, ...strip(inline.report) }).toMatchObject({
        code: 1,
        ok: false,
        events: rows.length + BULK,
        streams: new Set(rows.map((r) => r.stream)).size + 1,
        firstProblem: { position: tamperedAt.position, eventId: tamperedAt.id, reason: 'HASH_MISMATCH' },
      });
      expect({ code: threaded.code, ...strip(threaded.report) }).toEqual({ code: inline.code, ...strip(inline.report) });
    });

    it('prints no progress bar when stderr is not a terminal, so piped output stays one clean line', async () => {
      const result = await verifyCli(bulk, '--workers', '2');
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(new RegExp(`^ledger OK: ${rows.length + BULK} events in \\d+ streams, 2 keys, [^\\r\\x1b]*\n$`));
    });

    it('(control) does draw the bar on a terminal, so the assertion above can fail', async () => {
      // Pretends stderr is a TTY before the CLI loads: the same code path a terminal takes.
      const preload = join(bulk, 'fake-tty.js');
      writeFileSync(preload, 'process.stderr.isTTY = true; process.stderr.columns = 100;\n');
      const result = await runCli(['verify', '--data-dir', bulk], { env: { NODE_OPTIONS: `--require ${preload}` } });
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('verifying');
      expect(result.stdout).toMatch(/^ledger OK: /);
    });
  });

  describe('when it cannot verify', () => {
    const expectCleanError = (result: CliResult, code: number, mention: RegExp) => {
      expect(result.code).toBe(code);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^warden: /);
      expect(result.stderr).toMatch(mention);
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    };

    it('exits 2 naming a data directory that does not exist', async () => {
      const missing = join(pristine, 'no-such-dir');
      expectCleanError(await verifyCli(missing), 2, /no-such-dir/);
    });

    it('exits 2 naming a missing root key', async () => {
      const dir = copy();
      rmSync(join(dir, 'keys', 'root.key.pub'));
      expectCleanError(await verifyCli(dir), 2, /root\.key\.pub/);
    });

    it('exits 2 naming a missing ledger file', async () => {
      const dir = copy();
      rmSync(join(dir, 'ledger.db'));
      expectCleanError(await verifyCli(dir), 2, /ledger\.db/);
    });

    it('exits 1 when the ledger file is not a database', async () => {
      const dir = copy();
      writeFileSync(join(dir, 'ledger.db'), 'not a database '.repeat(1000));
      expectCleanError(await verifyCli(dir), 1, /ledger/);
    });

    it('exits 2 on bad usage', async () => {
      expectCleanError(await verifyCli(copy(), '--workers', 'many'), 2, /--workers/);
      expectCleanError(await runCli(['verify', '--no-such-option']), 2, /no-such-option/);
    });
  });
});
