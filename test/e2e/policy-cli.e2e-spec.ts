import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { eventsOfType } from './support/ledger-reader';
import { startHarness, type Harness } from './support/gateway-harness';
import { runCli } from './support/tamper';

const POLICY_YAML = `
defaults:
  read: allow
  write: { decision: allow, when: "trust >= 60" }
  destructive: step_up
rules:
  - id: no-etc
    server: notes
    tool: read_note
    when: mcp.tool.arguments.id.startsWith("etc")
    decision: deny
`;

/** `warden policy apply -f policies.yaml` against a real gateway over HTTP on 127.0.0.1. */
describe('warden policy (CLI)', () => {
  let h: Harness;
  let upstream: LegacyMcpServer;
  let dir: string;
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const cli = (...args: string[]) => runCli(['policy', ...args], { env: { WARDEN_API: h.url, WARDEN_KEY: h.adminKey } });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warden-policy-cli-'));
    upstream = await startLegacyMcpServer();
    h = await startHarness();
    const server = await h.api.registerServer('Notes', 'notes', upstream.url);
    await h.api.approve(server.serverId, 'read_note', 'read');
  });

  afterAll(async () => {
    await h.cleanup();
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('--dry-run shows the diff and applies nothing', async () => {
    const result = await cli('apply', '-f', file('p.yaml', POLICY_YAML), '--dry-run', '--simulate-since', '7d');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/"rulesAdded": \[\s*"no-etc"\s*\]/);
    expect(result.stdout).toContain('simulation:');
    expect(eventsOfType(h.dataDir, 'PolicySetApplied')).toHaveLength(0);
  });

  it('applies a policy file as one version, and shows it', async () => {
    const result = await cli('apply', '-f', file('p.yaml', POLICY_YAML));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"version": 1');
    expect(eventsOfType(h.dataDir, 'PolicySetApplied').map((e) => e.data.version)).toEqual([1]);
    expect((await cli('show', '--json')).stdout).toContain('"no-etc"');
  });

  it('refuses YAML with unknown keys, naming the key, and applies nothing (exit 1); the key never appears', async () => {
    const result = await cli('apply', '-f', file('bad.yaml', `${POLICY_YAML}    severity: high\n`));
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('POLICY.UNKNOWN_KEY');
    expect(result.stdout).toContain('rules[0].severity');
    expect(result.stdout + result.stderr).not.toContain(h.adminKey);
    expect(eventsOfType(h.dataDir, 'PolicySetApplied')).toHaveLength(1);
  });

  it('refuses a file that is not YAML, and a missing key, as bad usage (exit 2)', async () => {
    expect((await cli('apply', '-f', file('broken.yaml', 'defaults: [unclosed'))).code).toBe(2);
    const noKey = await runCli(['policy', 'show'], { env: { WARDEN_API: h.url, WARDEN_KEY: '' } });
    expect(noKey.code).toBe(2);
  });

  it('rolls back by version', async () => {
    await cli('apply', '-f', file('p2.yaml', POLICY_YAML.replace('decision: deny', 'decision: observe')));
    const result = await cli('rollback', '--version', '1');
    expect(result.code).toBe(0);
    expect(eventsOfType(h.dataDir, 'PolicySetApplied').map((e) => [e.data.version, e.data.rollbackOf])).toEqual([[1, undefined], [2, undefined], [3, 1]]);
  });
});
