import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cosignatureV1Verifier, ed25519NoteVerifier, openCheckpoint } from '@warden/ledger';
import { startGateway, type RunningGateway } from '../../src/bootstrap';
import { loadConfig } from '../../src/config/warden-config';
import { WitnessPush } from '../../src/anchor/witness-push';
import { createUpstreamEgress, egressPolicyFrom } from '../../src/upstream/upstream-egress';
import { Witness } from '../../src/witness/witness';
import { initWitnessDir, loadWitnessConfig, loadWitnessIdentity, WitnessStateFile } from '../../src/witness/witness-files';
import { startWitnessServer } from '../../src/witness/witness-server';
import { AdminApi, freePort, startHarness, type Harness } from './support/gateway-harness';
import { logReader } from './support/log-reads';

/**
 * The gateway pushes its checkpoints to a witness (WARDEN_WITNESS_URLS): a real `warden witness`
 * server (c2sp.org/tlog-witness add-checkpoint) on 127.0.0.1 cosigns each new checkpoint, and the
 * gateway serves the cosignature with it. A restarted gateway, which no longer knows what the
 * witness recorded, learns it from the witness's 409 and pushes again with a consistency proof.
 */
describe('checkpoints pushed to a witness', () => {
  let h: Harness;
  let gateway: RunningGateway | undefined;
  let witnessDir: string;
  let witnessServer: Server;
  let witnessUrl: string;
  let witnessVkey: string;
  let witness: Witness;
  let auditor: string;
  let logVkey: string;
  const env = { WARDEN_CHECKPOINT_EVERY_EVENTS: '2', WARDEN_CHECKPOINT_EVERY_MS: '100', WARDEN_LOG_ORIGIN: 'warden.test/push', WARDEN_SQLITE_SYNCHRONOUS: 'NORMAL', WARDEN_HEALTH_INTERVAL_MS: '0' };
  const origin = () => `warden.test/push/${h.orgId}`;

  const { getJson, checkpointBeyond } = logReader(() => auditor);
  /** The newest checkpoint beyond `size` that carries the witness's cosignature. */
  const cosignedBeyond = (url: string, size: number) => checkpointBeyond(url, size, (checkpoint) => checkpoint.cosignatures.length > 0);
  const start = async () => {
    const port = await freePort();
    return startGateway(loadConfig({ ...env, WARDEN_WITNESS_KEYS: witnessVkey, WARDEN_WITNESS_URLS: `${witnessUrl}/add-checkpoint`, WARDEN_DATA_DIR: h.dataDir, WARDEN_PORT: String(port) }), { logger: ['error'] });
  };
  const addUsers = async (url: string, names: string[]) => {
    const admin = new AdminApi(url, h.adminKey);
    for (const name of names) expect((await admin.request('POST', '/v1/users', { name, roles: ['operator'] })).status).toBe(201);
  };

  beforeAll(async () => {
    witnessDir = mkdtempSync(join(tmpdir(), 'warden-witness-push-'));
    witnessVkey = initWitnessDir(witnessDir, 'witness.test/pushed').vkey;
    // The gateway's log key is known once it has started: learn it, stop, follow it, start again with the push on.
    h = await startHarness({ ...env, WARDEN_WITNESS_KEYS: witnessVkey });
    auditor = (await h.api.createUser('audrey', ['auditor'])).apiKey;
    logVkey = (await getJson(h.url, '/v1/log/vkey')).body.vkey;
    await h.stop();
    writeFileSync(join(witnessDir, 'witness.json'), JSON.stringify({ logs: [{ vkey: logVkey }] }), { mode: 0o600 });
    witness = new Witness(loadWitnessIdentity(witnessDir, () => Date.now()), loadWitnessConfig(witnessDir), new WitnessStateFile(witnessDir));
    ({ server: witnessServer, url: witnessUrl } = await startWitnessServer(witness, '127.0.0.1', 0));
    gateway = await start();
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
    await h?.cleanup();
    await new Promise((resolve) => witnessServer?.close(resolve));
    rmSync(witnessDir, { recursive: true, force: true });
  });

  it('cosigns each new checkpoint, and the gateway serves the cosignature with it: it verifies', async () => {
    await addUsers(gateway!.url, ['p1', 'p2']);
    const first = await cosignedBeyond(gateway!.url, 0);
    expect(first.cosignatures.map((c) => c.name)).toEqual(['witness.test/pushed']);
    const opened = openCheckpoint(first.note, { log: ed25519NoteVerifier(logVkey), others: [cosignatureV1Verifier(witnessVkey)] });
    expect(opened.ok).toBe(true);
    expect(witness.recorded(origin())?.size).toBeGreaterThanOrEqual(first.size);
    // A later checkpoint goes from the size the witness recorded, with a consistency proof.
    await addUsers(gateway!.url, ['p3', 'p4', 'p5']);
    const later = await cosignedBeyond(gateway!.url, first.size);
    expect(later.cosignatures.map((c) => c.name)).toEqual(['witness.test/pushed']);
  }, 60_000);

  it('after a restart, learns the size the witness recorded from its 409 and pushes again from there', async () => {
    const before = witness.recorded(origin())!.size;
    await gateway!.close();
    const adds = jest.spyOn(witness, 'add');
    gateway = await start(); // knows nothing of what the witness recorded: pushes "old 0" first
    await addUsers(gateway.url, ['r1', 'r2', 'r3']);
    const next = await cosignedBeyond(gateway.url, before);
    expect(next.cosignatures.map((c) => c.name)).toEqual(['witness.test/pushed']);
    expect(witness.recorded(origin())!.size).toBe(next.size);
    const outcomes = await Promise.all(adds.mock.results.map((r) => r.value as ReturnType<Witness['add']>));
    const asked = adds.mock.calls.map(([, oldSize], i) => ({ oldSize, code: outcomes[i].ok ? 'cosigned' : outcomes[i].code }));
    expect(asked[0]).toEqual({ oldSize: 0, code: 'WITNESS.OLD_SIZE_MISMATCH' });
    expect(asked[1]).toEqual({ oldSize: before, code: 'cosigned' });
    adds.mockRestore();
  }, 60_000);
});

describe('WitnessPush through the egress guard', () => {
  it('never connects to a witness on an address the egress policy refuses: the push fails with the guard\u2019s reason', async () => {
    const egress = createUpstreamEgress(egressPolicyFrom(['127.0.0.1'], ['127.0.0.1']));
    const untouched = () => {
      throw new Error('not reached');
    };
    const push = new WitnessPush(['http://169.254.169.254/add-checkpoint', 'http://10.1.2.3/add-checkpoint'], egress, { consistency: untouched }, { add: untouched });
    const note = 'warden.test/push/o\n3\nAAAA\n\n— warden.test/push/o AAAA\n';
    const outcomes = await push.push({ log: 'o', size: 3, rootHash: new Uint8Array(32), note, eventId: 'e', position: 9 });
    expect(outcomes.map((o) => o.outcome)).toEqual(['failed', 'failed']);
    for (const o of outcomes) expect(o.outcome === 'failed' && o.detail).toMatch(/EGRESS|egress|not allowed|refus/i);
    await push.close();
  });
});
