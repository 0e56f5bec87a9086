import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cosignatureV1Verifier, ed25519NoteVerifier, openCheckpoint } from '@warden/ledger';
import { startGateway, type RunningGateway } from '../../src/bootstrap';
import { loadConfig } from '../../src/config/warden-config';
import { AdminApi, freePort, startHarness, type Harness } from './support/gateway-harness';
import { runCli } from './support/tamper';
import { logReader } from './support/log-reads';

/**
 * `warden witness poll --once` (the compiled CLI, a process of its own) against real gateways on
 * 127.0.0.1. It cosigns gateway A's latest checkpoint and posts it back, and A serves it; a
 * restarted witness starts from the size it recorded. Gateway B is a copy of A's data directory
 * taken earlier (same node key, same log key, same origin) that then went its own way: to the
 * witness it is A's log shown to someone else. Its older checkpoint is a rollback, its grown log
 * a fork; both are refused and nothing is recorded or delivered.
 */
describe('warden witness poll against the gateway', () => {
  let h: Harness;
  let a: RunningGateway | undefined;
  let b: RunningGateway | undefined;
  let witnessDir: string;
  let copyDir: string;
  let witnessVkey: string;
  let auditor: string;
  let logVkey: string;
  const env = { WARDEN_CHECKPOINT_EVERY_EVENTS: '2', WARDEN_CHECKPOINT_EVERY_MS: '100', WARDEN_LOG_ORIGIN: 'warden.test/witness', WARDEN_SQLITE_SYNCHRONOUS: 'NORMAL', WARDEN_HEALTH_INTERVAL_MS: '0' };

  const { getJson, checkpointBeyond } = logReader(() => auditor);
  const writeConfig = (url: string) => writeFileSync(join(witnessDir, 'witness.json'), JSON.stringify({ logs: [{ vkey: logVkey, url, apiKey: auditor }] }), { mode: 0o600 });
  const poll = async () => {
    const res = await runCli(['witness', 'poll', '--once', '--json', '--dir', witnessDir]);
    expect(`${res.stdout}${res.stderr}`).not.toContain(auditor);
    return { code: res.code, results: res.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line)), stderr: res.stderr };
  };
  const recordedSize = () => JSON.parse(readFileSync(join(witnessDir, 'state.json'), 'utf8')).logs[`warden.test/witness/${h.orgId}`].size as number;
  const restart = async (dataDir: string) => {
    const port = await freePort();
    return startGateway(loadConfig({ ...env, WARDEN_WITNESS_KEYS: witnessVkey, WARDEN_DATA_DIR: dataDir, WARDEN_PORT: String(port) }), { logger: ['error'] });
  };

  beforeAll(async () => {
    witnessDir = mkdtempSync(join(tmpdir(), 'warden-witness-poll-'));
    const init = await runCli(['witness', 'init', '--name', 'witness.test/poller', '--dir', witnessDir]);
    expect(init.code).toBe(0);
    witnessVkey = init.stdout.trim();
    h = await startHarness({ ...env, WARDEN_WITNESS_KEYS: witnessVkey });
    auditor = (await h.api.createUser('audrey', ['auditor'])).apiKey;
    await h.api.createUser('first', ['operator']);
    logVkey = (await getJson(h.url, '/v1/log/vkey')).body.vkey;
  }, 60_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await h?.cleanup();
    rmSync(witnessDir, { recursive: true, force: true });
    if (copyDir) rmSync(copyDir, { recursive: true, force: true });
  });

  it('cosigns the gateway\u2019s latest checkpoint and posts it back: the gateway serves it and it verifies', async () => {
    const checkpoint = await checkpointBeyond(h.url, 0);
    writeConfig(h.url);
    const { code, results } = await poll();
    expect(code).toBe(0);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ origin: `warden.test/witness/${h.orgId}`, outcome: 'cosigned' });
    const size = results[0].size as number;
    expect(size).toBeGreaterThanOrEqual(checkpoint.size);
    expect(recordedSize()).toBe(size);
    const served = (await getJson(h.url, `/v1/log/checkpoints/${size}`)).body;
    expect(served.cosignatures.map((c: { name: string }) => c.name)).toEqual(['witness.test/poller']);
    const opened = openCheckpoint(served.note, { log: ed25519NoteVerifier(logVkey), others: [cosignatureV1Verifier(witnessVkey)] });
    expect(opened.ok).toBe(true);
    if (opened.ok) expect(opened.verified.map((s) => s.name)).toEqual([`warden.test/witness/${h.orgId}`, 'witness.test/poller']);
  });

  it('a restarted witness continues from the size it recorded (consistency proof from it) while a copy of the log forks', async () => {
    const first = recordedSize();
    // B: a copy of A's data directory as it is now, started beside A (same keys, same origin).
    await h.stop();
    copyDir = mkdtempSync(join(tmpdir(), 'warden-witness-fork-'));
    cpSync(h.dataDir, copyDir, { recursive: true });
    a = await restart(h.dataDir);
    b = await restart(copyDir);
    const adminA = new AdminApi(a.url, h.adminKey);
    for (const name of ['a1', 'a2', 'a3']) expect((await adminA.request('POST', '/v1/users', { name, roles: ['operator'] })).status).toBe(201);
    const grown = await checkpointBeyond(a.url, first);
    writeConfig(a.url);
    const { code, results } = await poll();
    expect(code).toBe(0);
    expect(results[0]).toMatchObject({ outcome: 'cosigned' });
    expect(results[0].size).toBeGreaterThanOrEqual(grown.size);
    expect(recordedSize()).toBe(results[0].size);
    expect((await getJson(a.url, `/v1/log/checkpoints/${results[0].size}`)).body.cosignatures.map((c: { name: string }) => c.name)).toEqual(['witness.test/poller']);
  }, 60_000);

  it('refuses the copy\u2019s older checkpoint as a rollback, and its grown log as inconsistent; records and delivers nothing', async () => {
    const recorded = recordedSize();
    writeConfig(b!.url);
    const rolledBack = await poll();
    expect(rolledBack.code).toBe(1);
    expect(rolledBack.results[0]).toMatchObject({ outcome: 'refused', code: 'WITNESS.ROLLBACK' });
    const adminB = new AdminApi(b!.url, h.adminKey);
    for (const name of ['b1', 'b2', 'b3', 'b4', 'b5']) expect((await adminB.request('POST', '/v1/users', { name, roles: ['operator'] })).status).toBe(201);
    const forked = await checkpointBeyond(b!.url, recorded);
    const refused = await poll();
    expect(refused.code).toBe(1);
    expect(refused.results[0]).toMatchObject({ outcome: 'refused', code: expect.stringMatching(/^WITNESS\.(INCONSISTENT|FORK)$/) });
    expect(recordedSize()).toBe(recorded);
    const servedByB = (await getJson(b!.url, `/v1/log/checkpoints/${refused.results[0].size ?? forked.size}`)).body;
    expect(servedByB.cosignatures).toEqual([]);
  }, 60_000);

  it('reports a log it cannot read with a reason and exit 1, and refuses a config without a log to poll (exit 2)', async () => {
    writeFileSync(join(witnessDir, 'witness.json'), JSON.stringify({ logs: [{ vkey: logVkey, url: a!.url, apiKey: 'wdn_user_not-a-real-key' }] }), { mode: 0o600 });
    const wrongKey = await poll();
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.results[0]).toMatchObject({ outcome: 'failed', code: 'WITNESS.GATEWAY_REFUSED' });
    writeFileSync(join(witnessDir, 'witness.json'), JSON.stringify({ logs: [{ vkey: logVkey }] }), { mode: 0o600 });
    const nothing = await runCli(['witness', 'poll', '--once', '--dir', witnessDir]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('has a url and an apiKey');
  });
});
