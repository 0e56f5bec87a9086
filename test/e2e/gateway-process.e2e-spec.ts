import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAgent, textOf } from '../fixtures/agent-clients';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { AdminApi, freePort } from './support/gateway-harness';
import { CLI_JS, MAIN_JS, runProcess, startGatewayProcess, type GatewayProcess } from './support/gateway-process';

/** The gateway as a user runs it (`npm start` → node dist/src/main.js), its files and its output. */
describe('the gateway process', () => {
  let dataDir: string;
  let upstream: LegacyMcpServer;
  let env: Record<string, string>;
  let first: GatewayProcess;
  let adminKey: string;
  let agentKey: string;
  const SECRET_ARGUMENT = 'patient-record-4711-confidential';
  const platformKey = (output: string) => /platform operator API key[^:]*: (wdn_platform_\S+)/.exec(output)![1];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'warden-process-'));
    upstream = await startLegacyMcpServer();
    env = { WARDEN_DATA_DIR: dataDir, WARDEN_PORT: String(await freePort()), WARDEN_LOG_LEVEL: 'debug' };
    first = await startGatewayProcess(env);
    adminKey = /bootstrap admin API key[^:]*: (wdn_admin_\S+)/.exec(first.output())![1];
  }, 30_000);

  afterAll(async () => {
    await first?.stop();
    await upstream.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates root and node keys with mode 0600 on first start and prints the admin key once', () => {
    for (const file of ['root.key', 'node-1.key', 'payload-master.key']) {
      expect(statSync(join(dataDir, 'keys', file)).mode & 0o777).toBe(0o600);
    }
    expect(first.output().split(adminKey).length - 1).toBe(1);
  });

  it('governs a call end to end, and writes structured logs', async () => {
    const api = new AdminApi(first.url, adminKey);
    const server = await api.registerServer('Notes', 'notes', upstream.url);
    await api.approve(server.serverId, 'echo', 'read');
    agentKey = (await api.registerAgent('process-agent')).apiKey;
    const agent = await connectAgent(`${first.url}/mcp/notes`, { revision: '2025-11-25', headers: { authorization: `Bearer ${agentKey}` } });
    try {
      expect(JSON.parse(textOf(await agent.callTool('echo', { text: SECRET_ARGUMENT })))).toEqual({ text: SECRET_ARGUMENT });
    } finally {
      await agent.close();
    }
    // a wrong key and a failing request, so that error paths log too
    await fetch(`${first.url}/mcp/notes`, { method: 'POST', headers: { authorization: `Bearer ${agentKey}x`, 'content-type': 'application/json' }, body: '{}' });
    const jsonLines = first.output().split('\n').filter((l) => l.startsWith('{'));
    expect(jsonLines.length).toBeGreaterThan(0);
    expect(JSON.parse(jsonLines[0])).toMatchObject({ service: 'warden' });
  });

  it('keeps secrets out of its output and out of the ledger files; payloads are encrypted at rest', () => {
    const afterBootstrap = first.output().slice(first.output().indexOf(adminKey) + adminKey.length);
    expect(afterBootstrap).not.toContain(adminKey);
    expect(first.output()).not.toContain(agentKey);
    expect(first.output()).not.toContain(agentKey.slice(10));
    for (const file of readdirSync(dataDir).filter((f) => !f.startsWith('keys'))) {
      const bytes = readFileSync(join(dataDir, file)).toString('latin1');
      expect(bytes).not.toContain(adminKey);
      expect(bytes).not.toContain(agentKey);
      expect(bytes).not.toContain(SECRET_ARGUMENT);
    }
  });

  it('rebuilds its read models from the log on restart, without printing a key again', async () => {
    expect(await first.stop()).not.toBe(1);
    const second = await startGatewayProcess(env);
    try {
      expect(second.output()).not.toContain('bootstrap admin API key');
      expect(second.output()).not.toContain('platform operator API key');
      const orgs = await fetch(`${second.url}/v1/orgs`, { headers: { authorization: `Bearer ${platformKey(first.output())}` } });
      expect(orgs.status).toBe(200); // the printed platform key survives the restart
      const agent = await connectAgent(`${second.url}/mcp/notes`, { revision: '2026-07-28', headers: { authorization: `Bearer ${agentKey}` } });
      try {
        expect((await agent.listTools()).map((t) => t.name)).toEqual(['echo']);
        expect(JSON.parse(textOf(await agent.callTool('echo', { again: true })))).toEqual({ again: true });
      } finally {
        await agent.close();
      }
    } finally {
      await second.stop();
    }
    const verify = await runProcess([CLI_JS, 'verify', '--data-dir', dataDir]);
    expect(verify.stdout).toMatch(/^ledger OK: \d+ events in \d+ streams, 2 keys/);
    expect(verify.code).toBe(0);
  }, 30_000);

  it('refuses a bad configuration with a clear message and exit code 2', async () => {
    const bad = await runProcess([MAIN_JS], { WARDEN_DATA_DIR: dataDir, WARDEN_PORT: 'not-a-port' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('WARDEN_PORT must be an integer');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});
