import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type RunningGateway } from '../../src/bootstrap';
import { loadConfig } from '../../src/config/warden-config';
import { connectAgent, textOf, type Agent } from '../fixtures/agent-clients';
import { presented, startCredentialGate, type CredentialGate } from '../fixtures/credential-gate';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { runProcess, ROOT } from './support/gateway-process';
import { AdminApi, freePort, startHarness, type Harness } from './support/gateway-harness';

/**
 * The vault's keys: a ciphertext moved to another record does not decrypt (the call is refused,
 * fail closed, nothing sent); a missing or wrong KEK stops the start with a clear message; KEK
 * rotation re-wraps the data keys without touching the credential ciphertexts, and calls go on.
 */
describe('vault keys: record binding, KEK at start, KEK rotation', () => {
  let h: Harness;
  let gateway: RunningGateway | undefined;
  let kekDir: string;
  let upstream: LegacyMcpServer;
  const gates: Record<'a' | 'b', CredentialGate> = {} as never;
  const servers: Record<'a' | 'b', string> = {} as never;
  let agentKey: string;
  const agents: Agent[] = [];
  const TOKEN = { a: 'tokA-5fG7hJ2kL9', b: 'tokB-8qW3eR6tY1' };
  const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

  const vaultDb = () => join(h.dataDir, 'vault.db');
  /** Each start on a fresh port: the agents' keep-alive sockets to the stopped gateway are not reused. */
  const configWith = async (env: Record<string, string>) => loadConfig({ WARDEN_DATA_DIR: h.dataDir, WARDEN_PORT: String(await freePort()), WARDEN_SQLITE_SYNCHRONOUS: 'NORMAL', ...env });
  let url: string;
  const stop = async () => {
    await (gateway ?? h.gateway).close();
    gateway = undefined;
  };
  const restart = async (env: Record<string, string> = { WARDEN_VAULT_KEK_FILE: join(kekDir, 'kek') }) => {
    gateway = await startGateway(await configWith(env), { logger: false });
    url = gateway.url;
  };
  const call = async (slug: 'a' | 'b') => {
    const agent = await connectAgent(`${url}/mcp/${slug}`, { revision: '2025-11-25', headers: { authorization: `Bearer ${agentKey}` } });
    agents.push(agent);
    return agent.callTool('echo', { text: slug }).then(
      (r) => JSON.parse(textOf(r)).text as string,
      (e: { data?: { reason?: string } }) => e.data?.reason ?? String(e),
    );
  };
  const admin = () => new AdminApi(url, h.adminKey);
  const rows = () => {
    const db = new Database(vaultDb(), { readonly: true });
    try {
      return db.prepare('SELECT server_id, version, key_id, wrapped_key, iv, tag, ciphertext FROM credential_versions ORDER BY server_id').all() as Array<Record<string, Buffer | string | number>>;
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    kekDir = mkdtempSync(join(tmpdir(), 'warden-kek-'));
    upstream = await startLegacyMcpServer();
    h = await startHarness({ WARDEN_VAULT_KEK_FILE: join(kekDir, 'kek') });
    url = h.url;
    agentKey = (await h.api.registerAgent('assistant')).apiKey;
    for (const slug of ['a', 'b'] as const) {
      gates[slug] = await startCredentialGate(upstream.url, presented.bearer, (c) => c === TOKEN[slug]);
      const res = await h.api.request('POST', '/v1/servers', { name: slug, slug, url: gates[slug].url, credential: { scheme: 'bearer', token: TOKEN[slug] } });
      expect(res.status).toBe(201);
      servers[slug] = res.body.serverId;
      await h.api.approve(servers[slug], 'echo', 'read');
    }
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
    await (gateway ?? h.gateway).close().catch(() => undefined);
    rmSync(h.dataDir, { recursive: true, force: true });
    rmSync(kekDir, { recursive: true, force: true });
    await Promise.all([gates.a?.close(), gates.b?.close(), upstream.close()]);
  });

  it('a ciphertext copied onto another server\'s record (rows in vault.db) does not decrypt: the call is refused, nothing is sent', async () => {
    expect([await call('a'), await call('b')]).toEqual(['a', 'b']);
    await stop();
    const db = new Database(vaultDb());
    db.prepare(
      `UPDATE credential_versions SET (wrapped_key, iv, tag, ciphertext) =
         (SELECT wrapped_key, iv, tag, ciphertext FROM credential_versions WHERE server_id = ?) WHERE server_id = ?`,
    ).run(servers.a, servers.b);
    db.close();
    await restart();
    const seenByB = gates.b.presentedLog.length;
    expect(await call('b')).toBe('VAULT.CREDENTIAL_UNREADABLE');
    expect(gates.b.presentedLog.length).toBe(seenByB); // refused before anything reached the upstream
    expect(gates.a.presentedLog.filter((c) => c === TOKEN.a).length).toBeGreaterThan(0);
    const rediscovered = await admin().request('POST', `/v1/servers/${servers.b}/rediscover`);
    expect(rediscovered).toMatchObject({ status: 503, body: { code: 'VAULT.CREDENTIAL_UNREADABLE' } });
    expect(JSON.stringify(rediscovered.body)).not.toContain(TOKEN.a);
    expect(await call('a')).toBe('a');
    // a new credential for B is a new version, with its own data key: B works again
    expect((await admin().request('PUT', `/v1/servers/${servers.b}/credential`, { scheme: 'bearer', token: TOKEN.b })).status).toBe(204);
    expect(await call('b')).toBe('b');
  });

  it('a missing KEK file, a different KEK, or a KEK inside the data directory stops the start with a clear message', async () => {
    await stop();
    renameSync(join(kekDir, 'kek'), join(kekDir, 'kek.away'));
    await expect(restart()).rejects.toThrow(/key-encryption key .*kek is missing, and the vault holds credentials/);
    renameSync(join(kekDir, 'kek.away'), join(kekDir, 'kek'));
    await expect(restart({ WARDEN_VAULT_KEK: randomBytes(32).toString('base64') })).rejects.toThrow(/credentials are wrapped by KEK local:[0-9a-f]{16}, but WARDEN_VAULT_KEK holds KEK local:/);
    await expect(configWith({ WARDEN_VAULT_KEK_FILE: join(h.dataDir, 'kek') })).rejects.toThrow(/must be outside the data directory/);
    const process = await runProcess([join(ROOT, 'dist', 'src', 'main.js')], { WARDEN_DATA_DIR: h.dataDir, WARDEN_PORT: '0', WARDEN_VAULT_KEK_FILE: join(kekDir, 'nowhere') });
    expect(process.code).toBe(1);
    expect(process.stderr).toMatch(/^warden: cannot start: the vault's key-encryption key .*nowhere is missing/m);
    expect(process.stderr).not.toMatch(/\n\s+at /); // a refusal, not a stack trace
    await restart();
  });

  it('warden vault rotate-kek re-wraps every data key without touching a ciphertext; calls work with the new KEK, the old one is refused', async () => {
    await stop();
    const before = rows();
    copyFileSync(join(kekDir, 'kek'), join(kekDir, 'kek.old'));
    const rotated = await runProcess([CLI, 'vault', 'rotate-kek', '--new-kek', join(kekDir, 'kek2'), '--data-dir', h.dataDir], { WARDEN_VAULT_KEK_FILE: join(kekDir, 'kek') });
    expect(rotated).toMatchObject({ code: 0 });
    expect(rotated.stdout).toMatch(/re-wrapped 2 data key\(s\): local:[0-9a-f]{16} → local:[0-9a-f]{16} \(new KEK created at/);
    const after = rows();
    expect(after.map((r) => [r.server_id, r.version, r.iv, r.tag, r.ciphertext])).toEqual(before.map((r) => [r.server_id, r.version, r.iv, r.tag, r.ciphertext]));
    expect(after.every((r, i) => !(r.wrapped_key as Buffer).equals(before[i].wrapped_key as Buffer) && r.key_id !== before[i].key_id)).toBe(true);
    await expect(restart({ WARDEN_VAULT_KEK_FILE: join(kekDir, 'kek.old') })).rejects.toThrow(/wrapped by KEK/);
    await restart({ WARDEN_VAULT_KEK_FILE: join(kekDir, 'kek2') });
    expect([await call('a'), await call('b')]).toEqual(['a', 'b']);
    const again = await runProcess([CLI, 'vault', 'rotate-kek', '--data-dir', h.dataDir], { WARDEN_VAULT_KEK_FILE: join(kekDir, 'kek2') });
    expect(again.code).toBe(2);
  });
});
