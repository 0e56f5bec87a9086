import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cosignatureV1Verifier, ed25519NoteVerifier, openCheckpoint, cosignaturesOf, toBase64 } from '@warden/ledger';
import { SignedTestLog } from '../../libs/ledger/src/testing/signed-test-log';
import { freePort } from './support/gateway-harness';
import { runCli } from './support/tamper';
import { startWitnessProcess, type WitnessProcess } from './support/witness-process';

/**
 * `warden witness serve` (c2sp.org/tlog-witness add-checkpoint) as a separate process, fed by a
 * log this test keeps and signs: it cosigns a checkpoint that extends what it recorded, refuses a
 * rollback, a fork and a proof that does not hold, a log it does not follow and a checkpoint the
 * log did not sign, and keeps its recorded size across a restart.
 */
describe('warden witness serve (tlog-witness add-checkpoint)', () => {
  let dir: string;
  let vkey: string;
  let witness: WitnessProcess;
  const log = new SignedTestLog('log.test/org-a', 'serve test log key');
  const empty = new SignedTestLog('log.test/empty', 'an empty log');
  const entries = (from: number, to: number, tag = 'event') => Array.from({ length: to - from }, (_, i) => `${tag} ${from + i}`);

  const addCheckpoint = async (oldSize: number, proof: Uint8Array[], note: string) => {
    const res = await fetch(`${witness.url}/add-checkpoint`, { method: 'POST', body: `old ${oldSize}\n${proof.map((p) => `${toBase64(p)}\n`).join('')}\n${note}` });
    return { status: res.status, reason: res.headers.get('warden-reason'), type: res.headers.get('content-type'), body: await res.text() };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warden-witness-'));
    const init = await runCli(['witness', 'init', '--name', 'witness.test/w1', '--dir', dir]);
    expect(init.code).toBe(0);
    vkey = init.stdout.trim();
    writeFileSync(join(dir, 'witness.json'), JSON.stringify({ logs: [{ vkey: log.vkey }, { vkey: empty.vkey }] }), { mode: 0o600 });
    witness = await startWitnessProcess(dir, await freePort());
  }, 30_000);

  afterAll(async () => {
    await witness?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('init creates a 0600 key, prints only its cosignature/v1 vkey, and never replaces it', async () => {
    expect(vkey).toMatch(/^witness\.test\/w1\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$/);
    expect(cosignatureV1Verifier(vkey).name).toBe('witness.test/w1');
    expect(statSync(join(dir, 'witness.key')).mode & 0o777).toBe(0o600);
    const key = readFileSync(join(dir, 'witness.key'), 'utf8');
    const again = await runCli(['witness', 'init', '--name', 'witness.test/w1', '--dir', dir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('keeps its key');
    expect(readFileSync(join(dir, 'witness.key'), 'utf8')).toBe(key);
    expect((await runCli(['witness', 'vkey', '--dir', dir])).stdout.trim()).toBe(vkey);
    expect(`${again.stdout}${again.stderr}`).not.toContain(key.trim().split('+').at(-1)!);
  });

  it('cosigns a first checkpoint and one that extends it (consistency proof); the lines verify with the witness vkey', async () => {
    log.append(...entries(0, 5));
    const first = await addCheckpoint(0, [], log.checkpoint());
    expect(first).toMatchObject({ status: 200 });
    log.append(...entries(5, 12));
    const grown = await addCheckpoint(5, log.consistency(5), log.checkpoint());
    expect(grown.status).toBe(200);
    const cosigned = `${log.checkpoint()}${grown.body}`;
    const opened = openCheckpoint(cosigned, { log: ed25519NoteVerifier(log.vkey), others: [cosignatureV1Verifier(vkey)] });
    expect(opened.ok).toBe(true);
    if (opened.ok) expect(cosignaturesOf(opened.verified, [cosignatureV1Verifier(vkey)]).map((c) => c.name)).toEqual(['witness.test/w1']);
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).logs['log.test/org-a']).toEqual({ size: 12, root: toBase64(log.root(12)) });
  });

  it('refuses a rolled-back checkpoint: 409 with the recorded size', async () => {
    const res = await addCheckpoint(12, [], log.checkpoint(8));
    expect(res).toEqual({ status: 409, reason: 'WITNESS.ROLLBACK', type: 'text/x.tlog.size', body: '12\n' });
  });

  it('refuses a forked log: the same size with another root (409), a bigger tree that does not extend it (422)', async () => {
    const fork = new SignedTestLog('log.test/org-a', 'serve test log key').append(...entries(0, 7), ...entries(7, 20, 'forked'));
    expect(await addCheckpoint(12, [], fork.checkpoint(12))).toMatchObject({ status: 409, reason: 'WITNESS.FORK', body: '12\n' });
    const bigger = await addCheckpoint(12, fork.consistency(12), fork.checkpoint());
    expect(bigger).toMatchObject({ status: 422, reason: 'WITNESS.INCONSISTENT' });
    expect(bigger.body).toContain('MERKLE.ROOT_MISMATCH');
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).logs['log.test/org-a'].size).toBe(12);
  });

  it('refuses a start from another size (409), a log it does not follow (404), a checkpoint the log did not sign (403), a malformed body (400)', async () => {
    log.append(...entries(12, 15));
    expect(await addCheckpoint(5, log.consistency(5), log.checkpoint())).toMatchObject({ status: 409, reason: 'WITNESS.OLD_SIZE_MISMATCH', body: '12\n' });
    const stranger = new SignedTestLog('log.test/unknown', 'a log nobody configured').append(...entries(0, 3));
    expect(await addCheckpoint(0, [], stranger.checkpoint())).toMatchObject({ status: 404, reason: 'WITNESS.UNKNOWN_LOG' });
    const impostor = new SignedTestLog('log.test/org-a', 'not the log key').append(...entries(0, 15));
    expect(await addCheckpoint(12, impostor.consistency(12), impostor.checkpoint())).toMatchObject({ status: 403, reason: 'WITNESS.BAD_CHECKPOINT' });
    const malformed = await fetch(`${witness.url}/add-checkpoint`, { method: 'POST', body: 'old twelve\n\nnot a note' });
    expect([malformed.status, malformed.headers.get('warden-reason')]).toEqual([400, 'WITNESS.MALFORMED']);
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).logs['log.test/org-a'].size).toBe(12);
  });

  it('keeps the recorded size across a restart: a start from 0 is a conflict, the proof from 12 is cosigned', async () => {
    // An empty log's checkpoint (size 0) is recorded too, and does not stop the restart.
    expect((await addCheckpoint(0, [], empty.checkpoint())).status).toBe(200);
    await witness.stop();
    witness = await startWitnessProcess(dir, await freePort());
    expect(await addCheckpoint(0, [], log.checkpoint())).toMatchObject({ status: 409, reason: 'WITNESS.OLD_SIZE_MISMATCH', body: '12\n' });
    expect(await addCheckpoint(12, [], log.checkpoint(8))).toMatchObject({ status: 409, reason: 'WITNESS.ROLLBACK' });
    expect((await addCheckpoint(12, log.consistency(12), log.checkpoint())).status).toBe(200);
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).logs['log.test/org-a'].size).toBe(15);
  }, 30_000);

  it('refuses to start with a damaged state file (fail closed), naming it', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'warden-witness-broken-'));
    try {
      expect((await runCli(['witness', 'init', '--name', 'witness.test/w2', '--dir', broken])).code).toBe(0);
      writeFileSync(join(broken, 'state.json'), '{"logs":{"x":{"size":"ten"}}}', { mode: 0o600 });
      const res = await runCli(['witness', 'serve', '--dir', broken, '--port', '0']);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain('state.json is unreadable or damaged');
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });
});
