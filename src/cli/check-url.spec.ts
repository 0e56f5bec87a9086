import type { LookupAddress } from 'node:dns';
import { checkUrl, type ResolveAll } from './check-url';

/** checkUrl with captured output and a stub resolver (no DNS, no connection). */
async function run(argv: string[], answers: Record<string, string[]> = {}) {
  let stdout = '';
  let stderr = '';
  const asked: string[] = [];
  const resolveAll: ResolveAll = async (host) => {
    asked.push(host);
    if (!answers[host]) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return answers[host].map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  const code = await checkUrl(argv, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, resolveAll });
  return { code, stdout, stderr, asked };
}

describe('warden check-url', () => {
  it('does not consult DNS unless asked, and says so', async () => {
    const result = await run(['https://mcp.example.com/mcp'], { 'mcp.example.com': ['127.0.0.1'] });
    expect(result).toMatchObject({ code: 0, asked: [] });
    expect(result.stdout).toMatch(/^allowed: https:\/\/mcp\.example\.com\/mcp\n {2}DNS not consulted/);
  });

  it('with --resolve, checks every address the name resolves to now', async () => {
    const answers = { 'rebound.example.com': ['93.184.216.34', '10.1.2.3'], 'fine.example.com': ['93.184.216.34'] };
    const refused = await run(['https://rebound.example.com/', '--resolve', '--json'], answers);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ allowed: false, reason: 'EGRESS.BLOCKED_ADDRESS', dns: { addresses: ['93.184.216.34', '10.1.2.3'] } });
    const allowed = await run(['https://fine.example.com/', '--resolve'], answers);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain('resolved now to 93.184.216.34');
    const unknown = await run(['https://gone.example.com/', '--resolve', '--json'], answers);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout)).toMatchObject({ reason: 'EGRESS.UNRESOLVED', dns: { error: 'ENOTFOUND' } });
  });

  it('with --resolve, lets an --allow-address range through and never resolves a literal', async () => {
    const result = await run(['https://intra.example.com/', '--resolve', '--allow-address', '10.0.0.0/8'], { 'intra.example.com': ['10.1.2.3'] });
    expect(result.code).toBe(0);
    const literal = await run(['https://8.8.8.8/', '--resolve']);
    expect(literal).toMatchObject({ code: 0, asked: [] });
  });

  it('is bad usage (exit 2) without a URL, with two, with an unknown option or an unreadable allowance', async () => {
    for (const argv of [[], ['https://a.example/', 'https://b.example/'], ['--nope', 'https://a.example/'], ['https://a.example/', '--allow-address', 'ten']]) {
      const result = await run(argv);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/usage: warden check-url/);
    }
  });
});
