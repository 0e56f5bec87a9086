import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEd25519Signer, generateEd25519KeyPair, GENESIS_PREV, type Signer } from '@warden/ledger';
import { connectAgent, surfacingRpcErrors, textOf } from '../fixtures/agent-clients';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { AdminApi, freePort } from './support/gateway-harness';
import { MAIN_JS, startGatewayProcess, type GatewayProcess } from './support/gateway-process';
import { appendRows, copyDataDir, forge, readRows, removeDirs, runCli, tamper, type LedgerRow } from './support/tamper';

/**
 * What the running gateway trusts (Ledger trust issue, items 1, 3, 5), on the compiled gateway as
 * `npm start` runs it: the root is an offline key, nothing is regenerated silently, and every
 * event a read model applies was verified first: rows forged into a stopped gateway's ledger stop
 * its start, naming the event.
 */
describe('node trust: keys, start-up verification, file modes', () => {
  let upstream: LegacyMcpServer;
  let base: string;
  let adminKey: string;
  let agentKey: string;
  let rootKid: string;
  const scratch: string[] = [];
  const running: GatewayProcess[] = [];
  const forger: Signer = createEd25519Signer(generateEd25519KeyPair().privateKeyPem);

  const envFor = async (dataDir: string, extra: Record<string, string> = {}) => ({
    WARDEN_DATA_DIR: dataDir,
    WARDEN_PORT: String(await freePort()),
    WARDEN_LOG_LEVEL: 'warn',
    ...extra,
  });
  const start = async (dataDir: string, extra: Record<string, string> = {}) => {
    const gateway = await startGatewayProcess(await envFor(dataDir, extra));
    running.push(gateway);
    return gateway;
  };
  const stopAll = async () => {
    for (const gateway of running.splice(0)) await gateway.stop();
  };
  const callEcho = async (url: string, text: string) => {
    const agent = await connectAgent(`${url}/mcp/notes`, { revision: '2025-11-25', headers: { authorization: `Bearer ${agentKey}` } });
    try {
      return JSON.parse(textOf(await surfacingRpcErrors(() => agent.callTool('echo', { text }))));
    } finally {
      await agent.close();
    }
  };

  beforeAll(async () => {
    upstream = await startLegacyMcpServer();
    base = mkdtempSync(join(tmpdir(), 'warden-trust-'));
    scratch.push(base);
    const first = await start(base);
    adminKey = /bootstrap admin API key[^:]*: (wdn_admin_\S+)/.exec(first.output())![1];
    rootKid = /root key fingerprint \(pin it[^)]*\): (ed25519:[0-9a-f]{32})/.exec(first.output())![1];
    const api = new AdminApi(first.url, adminKey);
    const server = await api.registerServer('Notes', 'notes', upstream.url);
    await api.approve(server.serverId, 'echo', 'read');
    agentKey = (await api.registerAgent('trusted-agent')).apiKey;
    expect(await callEcho(first.url, 'hello')).toEqual({ text: 'hello' });
    await stopAll();
  }, 60_000);

  afterEach(stopAll);
  afterAll(async () => {
    await stopAll();
    await upstream.close();
    removeDirs(scratch);
  });

  describe('the developer default (first start of an empty ledger)', () => {
    it('creates the root, says where its private key is and that it must go offline, and prints the fingerprint to pin', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'warden-trust-dev-'));
      scratch.push(dir);
      const gateway = await start(dir);
      const output = gateway.output();
      expect(output).toContain(`created the deployment root key ${/root key fingerprint \(pin it[^)]*\): (\S+)/.exec(output)![1]}`);
      expect(output).toContain(join(dir, 'keys', 'root.key'));
      expect(output).toMatch(/move it offline/);
      await gateway.stop();
      // The next start does not load it, but keeps saying it is there.
      const again = await start(dir);
      expect(again.output()).toMatch(/root private key is still at .*root\.key.*move it offline/);
      expect(again.output()).not.toContain('created the deployment root key');
    });

    it('makes the data directory 0700 and every ledger and key file 0600', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'warden-trust-modes-'));
      scratch.push(dir);
      const gateway = await start(dir);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(join(dir, 'keys')).mode & 0o777).toBe(0o700);
      for (const file of ['ledger.db', 'ledger.db-wal', 'ledger.db-shm', 'keys/root.key', 'keys/node-1.key', 'keys/payload-master.key']) {
        expect([file, statSync(join(dir, file)).mode & 0o777]).toEqual([file, 0o600]);
      }
      await gateway.stop();
    });

    it('narrows an existing ledger that others could read', async () => {
      const dir = copyDataDir(base, scratch);
      chmodSync(dir, 0o755);
      chmodSync(join(dir, 'ledger.db'), 0o644);
      await start(dir);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(join(dir, 'ledger.db')).mode & 0o777).toBe(0o600);
    });
  });

  describe('the root key: never regenerated, pinned when asked', () => {
    it('refuses to start when the root public key is missing, and does not create a new one', async () => {
      const dir = copyDataDir(base, scratch);
      rmSync(join(dir, 'keys', 'root.key.pub'));
      const refused = await startExpectingRefusal(await envFor(dir));
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/no root public key at .*root\.key\.pub.*registered by root ed25519:/);
      expect(refused.stderr).toMatch(/never creates a new root/);
      expect(refused.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(join(dir, 'keys', 'root.key.pub'))).toBe(false);
    });

    it('refuses to start when the root public key was replaced by another key', async () => {
      const dir = copyDataDir(base, scratch);
      writeFileSync(join(dir, 'keys', 'root.key.pub'), generateEd25519KeyPair().publicKeyPem);
      const refused = await startExpectingRefusal(await envFor(dir));
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`registered by root ${rootKid}, but the root public key given is ed25519:`);
    });

    it('starts with the right pinned fingerprint, refuses another', async () => {
      const dir = copyDataDir(base, scratch);
      const pinned = await start(dir, { WARDEN_ROOT_FINGERPRINT: rootKid });
      expect(pinned.output()).not.toMatch(/is not pinned/);
      await stopAll();
      const other = `ed25519:${'0'.repeat(32)}`;
      const refused = await startExpectingRefusal(await envFor(dir, { WARDEN_ROOT_FINGERPRINT: other }));
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`is ${rootKid}, not the pinned WARDEN_ROOT_FINGERPRINT ${other}`);
    });

    it('refuses an unregistered node key, and starts once `warden keys register-node` ran with the root key', async () => {
      const dir = copyDataDir(base, scratch);
      rmSync(join(dir, 'keys', 'node-1.key'));
      rmSync(join(dir, 'keys', 'node-1.key.pub'));
      const refused = await startExpectingRefusal(await envFor(dir));
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/this node's key ed25519:\S+ .* is not registered .*warden keys register-node/);
      // The root key goes offline; the operator brings it back for this one command.
      const offline = mkdtempSync(join(tmpdir(), 'warden-offline-'));
      scratch.push(offline);
      writeFileSync(join(offline, 'root.key'), readFileSync(join(dir, 'keys', 'root.key')), { mode: 0o600 });
      rmSync(join(dir, 'keys', 'root.key'));
      const registered = await runCli(['keys', 'register-node', '--data-dir', dir, '--root-key', join(offline, 'root.key')]);
      expect(registered).toMatchObject({ code: 0 });
      expect(registered.stdout).toMatch(/^registered: node node-1 key ed25519:/);
      const gateway = await start(dir);
      expect(gateway.output()).not.toMatch(/root private key is still at/);
      expect(await callEcho(gateway.url, 'after re-registration')).toEqual({ text: 'after re-registration' });
      await stopAll();
      expect((await runCli(['verify', '--data-dir', dir])).code).toBe(0);
    });

    it('rotates the node key (old one revoked) and refuses to run on a revoked key', async () => {
      const dir = copyDataDir(base, scratch);
      const rootKey = join(dir, 'keys', 'root.key');
      const before = (await runCli(['keys', 'show', '--data-dir', dir, '--json'])).stdout;
      const oldKid = JSON.parse(before).keys[0].kid;
      const rotated = await runCli(['keys', 'rotate-node', '--data-dir', dir, '--root-key', rootKey]);
      expect(rotated).toMatchObject({ code: 0 });
      const gateway = await start(dir);
      expect(await callEcho(gateway.url, 'after rotation')).toEqual({ text: 'after rotation' });
      await stopAll();
      const shown = JSON.parse((await runCli(['keys', 'show', '--data-dir', dir, '--json'])).stdout);
      expect(shown.rootFingerprint).toBe(rootKid);
      expect(shown.keys).toEqual([
        expect.objectContaining({ kid: oldKid, revoked: expect.objectContaining({ reason: 'rotated' }), thisNode: false }),
        expect.objectContaining({ revoked: null, thisNode: true }),
      ]);
      expect((await runCli(['verify', '--data-dir', dir])).code).toBe(0);
      const current = shown.keys[1].kid;
      expect(await runCli(['keys', 'revoke', '--data-dir', dir, '--root-key', rootKey, '--kid', current, '--reason', 'compromised'])).toMatchObject({ code: 0 });
      const refused = await startExpectingRefusal(await envFor(dir));
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`this node's key ${current}`);
      expect(refused.stderr).toMatch(/was revoked \(compromised\)/);
    });

    it('refuses key commands with a root key that is not this deployment’s', async () => {
      const dir = copyDataDir(base, scratch);
      const stranger = join(dir, 'stranger.key');
      writeFileSync(stranger, generateEd25519KeyPair().privateKeyPem, { mode: 0o600 });
      const result = await runCli(['keys', 'rotate-node', '--data-dir', dir, '--root-key', stranger]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`but this deployment's root is ${rootKid}`);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    });
  });

  describe('`warden keys init`: the production start', () => {
    it('puts the root private key where the operator says, registers the node, and the node then runs without it', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'warden-trust-prod-'));
      const offline = mkdtempSync(join(tmpdir(), 'warden-offline-'));
      scratch.push(dir, offline);
      const init = await runCli(['keys', 'init', '--data-dir', dir, '--root-key-out', join(offline, 'root.key')]);
      expect(init).toMatchObject({ code: 0 });
      const kid = /root key (ed25519:[0-9a-f]{32}) created/.exec(init.stdout)![1];
      expect(statSync(join(offline, 'root.key')).mode & 0o777).toBe(0o600);
      expect(existsSync(join(dir, 'keys', 'root.key'))).toBe(false);
      const gateway = await start(dir, { WARDEN_ROOT_FINGERPRINT: kid });
      expect(gateway.output()).not.toMatch(/created the deployment root key|root private key is still/);
      expect(gateway.output()).toContain(`root key fingerprint (pin it: WARDEN_ROOT_FINGERPRINT, warden verify --root-fingerprint): ${kid}`);
      // A second init is refused: the deployment has a root.
      await stopAll();
      const again = await runCli(['keys', 'init', '--data-dir', dir, '--root-key-out', join(offline, 'root2.key')]);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/has a root already/);
    });
  });

  describe('rows forged into a stopped gateway’s ledger', () => {
    const tail = (rows: LedgerRow[], stream: string) => rows.filter((r) => r.stream === stream).at(-1)!;
    const next = (row: LedgerRow) => ({ seq: row.env.seq + 1, prev: row.env.hash });

    it('an unsigned ToolApproved for a destructive tool stops the start, naming the event', async () => {
      const dir = copyDataDir(base, scratch);
      const forgedId = tamper(dir, (db, rows) => {
        const approved = rows.find((r) => r.type === 'ToolApproved')!;
        const env = forge(approved.env, next(tail(rows, approved.stream)), forger, { data: { ...approved.env.data, tool: 'delete_everything', riskClass: 'read' } });
        appendRows(db, [{ ...env, sig: '' }]);
        return env.id;
      });
      const refused = await startExpectingRefusal(await envFor(dir));
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`id ${forgedId}`);
      expect(refused.stderr).toMatch(/does not verify: MALFORMED/);
      expect(refused.stderr).not.toMatch(/\n\s+at /);
    });

    it('a ToolApproved re-signed with a key the forger chose stops the start (UNKNOWN_KEY)', async () => {
      const dir = copyDataDir(base, scratch);
      const forgedId = tamper(dir, (db, rows) => {
        const approved = rows.find((r) => r.type === 'ToolApproved')!;
        const env = forge(approved.env, next(tail(rows, approved.stream)), forger, { data: { ...approved.env.data, tool: 'delete_everything', riskClass: 'read' } });
        appendRows(db, [env]);
        return env.id;
      });
      const refused = await startExpectingRefusal(await envFor(dir));
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(new RegExp(`id ${forgedId}, server-\\S+@\\d+\\) does not verify: UNKNOWN_KEY`));
    });

    it('an AgentRegistered with a key hash the forger chose stops the start, and the forged key never works', async () => {
      const dir = copyDataDir(base, scratch);
      const forgedKey = 'wdn_agent_forged-by-someone-with-the-disk-0000000000000';
      tamper(dir, (db, rows) => {
        const registered = rows.find((r) => r.type === 'AgentRegistered')!;
        const agentId = '01900000-0000-7000-8000-00000000f04d';
        const env = forge(registered.env, { seq: 0, prev: GENESIS_PREV }, forger, {
          stream: `agent-${agentId}`,
          data: { ...registered.env.data, agentId, name: 'forged', keyHash: createHash('sha256').update(forgedKey).digest('hex') },
        });
        appendRows(db, [env]);
      });
      const refused = await startExpectingRefusal(await envFor(dir));
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/agent-01900000-0000-7000-8000-00000000f04d@0\) does not verify: UNKNOWN_KEY/);
    });

    it('a forged row at the head of a tool-call stream: the node does not start (read models — limits, trust, reviews — replay the calls streams, verified), and adds nothing', async () => {
      const dir = copyDataDir(base, scratch);
      const callsStream = tamper(dir, (db, rows) => {
        const decided = rows.find((r) => r.type === 'ToolCallDecided')!;
        appendRows(db, [forge(decided.env, next(tail(rows, decided.stream)), forger)]);
        return decided.stream;
      });
      const before = readRows(dir).filter((r) => r.stream === callsStream).length;
      const refused = await startExpectingRefusal(await envFor(dir));
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(new RegExp(`read-model replay: the ledger event at position \\d+ \\(id [0-9a-f-]+, ${callsStream}@\\d+\\) does not verify: UNKNOWN_KEY`));
      expect(readRows(dir).filter((r) => r.stream === callsStream)).toHaveLength(before);
    });
  });
});

/** Runs the compiled gateway expecting it to refuse to start; kills it (and fails) if it listens. */
function startExpectingRefusal(env: Record<string, string>, timeoutMs = 20_000): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, [MAIN_JS], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the gateway did not refuse to start:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.stdout.on('data', () => {
      if (/warden listening on/.test(stdout)) {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new Error(`the gateway started although it should have refused:\n${stdout}\n${stderr}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    });
  });
}
