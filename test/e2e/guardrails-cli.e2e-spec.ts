import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventsOfType } from './support/ledger-reader';
import { startHarness, type Harness } from './support/gateway-harness';
import { runCli } from './support/tamper';

const RULES_YAML = `
oversize: block
rules:
  - id: no-secrets
    detector: secrets
    where: arguments
    action: block
  - id: project-codes
    detector: regex
    pattern: "PRJ-[0-9]{5}"
    kind: project_code
    action: redact
    except:
      values: ["PRJ-00000"]
`;

/** `warden guardrails apply -f rules.yaml` against a real gateway over HTTP on 127.0.0.1. */
describe('warden guardrails (CLI)', () => {
  let h: Harness;
  let dir: string;
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const cli = (...args: string[]) => runCli(['guardrails', ...args], { env: { WARDEN_API: h.url, WARDEN_KEY: h.adminKey } });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warden-guardrails-cli-'));
    h = await startHarness();
  });

  afterAll(async () => {
    await h.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('--dry-run validates and applies nothing', async () => {
    const result = await cli('apply', '-f', file('g.yaml', RULES_YAML), '--dry-run');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"valid": true');
    expect(eventsOfType(h.dataDir, 'GuardrailSetApplied')).toEqual([]);
  });

  it('applies the file as version 1 and shows it; applying it again writes nothing', async () => {
    const applied = await cli('apply', '-f', file('g.yaml', RULES_YAML));
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('"version": 1');
    const again = await cli('apply', '-f', file('g.yaml', RULES_YAML));
    expect(again.stdout).toContain('"applied": false');
    expect(eventsOfType(h.dataDir, 'GuardrailSetApplied')).toHaveLength(1);
    const shown = await cli('show', '--json');
    expect(JSON.parse(shown.stdout)).toMatchObject({ version: 1, set: { oversize: 'block', rules: [{ id: 'no-secrets' }, { id: 'project-codes' }] } });
  });

  it('refuses a backtracking-only pattern with its path and exit code 1; bad usage exits 2', async () => {
    const refused = await cli('validate', '-f', file('bad.yaml', 'rules:\n  - { id: r, detector: regex, pattern: "(?<=x)y", action: block }\n'));
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('GUARDRAILS.BAD_PATTERN');
    expect(refused.stdout).toContain('rules[0].pattern');
    expect((await cli('apply')).code).toBe(2);
  });
});
