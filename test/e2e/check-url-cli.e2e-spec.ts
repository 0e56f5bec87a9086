import { existsSync } from 'node:fs';
import { CLI, runCli } from './support/tamper';

/**
 * `warden check-url` as an operator runs it: the compiled CLI, literal addresses and names only
 * (no --resolve: nothing here consults DNS or opens a connection).
 */
describe('warden check-url (compiled CLI)', () => {
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`the compiled CLI ${CLI} is missing: run \`npm run build\` before jest (npm test does)`);
  });

  it.each([
    ['http://2130706433/', 'EGRESS.BLOCKED_ADDRESS', /loopback/],
    ['https://0177.0.0.1/', 'EGRESS.BLOCKED_ADDRESS', /loopback/],
    ['https://[::ffff:169.254.169.254]/latest', 'EGRESS.METADATA', /cloud metadata/],
    ['https://[fd00:ec2::254]/', 'EGRESS.METADATA', /AWS IPv6/],
    ['https://10.0.0.1/', 'EGRESS.BLOCKED_ADDRESS', /RFC 1918/],
    ['http://good.com@127.0.0.1/', 'EGRESS.CREDENTIALS', /credentials/],
    ['https://localhost./', 'EGRESS.BLOCKED_HOST', /local-only/],
    ['http://8.8.8.8/', 'EGRESS.HTTP_NOT_ALLOWED', /https/],
    ['file:///etc/passwd', 'EGRESS.SCHEME', /file:/],
    ['https://[fe80::1%25eth0]/', 'EGRESS.INVALID_URL', /valid/],
  ])('refuses %s with %s (exit 1)', async (url, reason, detail) => {
    const text = await runCli(['check-url', url]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`refused: ${reason}`);
    expect(text.stdout).toMatch(detail);
    const json = await runCli(['check-url', url, '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ allowed: false, reason, dns: 'not consulted' });
  });

  it('allows a public https literal and says no DNS was involved (exit 0)', async () => {
    const result = await runCli(['check-url', 'https://0x8.8.8.8:8443/mcp', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ allowed: true, url: 'https://8.8.8.8:8443/mcp', host: '8.8.8.8', address: '8.8.8.8', dns: 'not needed' });
  });

  it('allows a name without consulting DNS, and says so', async () => {
    const result = await runCli(['check-url', 'https://mcp.example.com/mcp']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('allowed: https://mcp.example.com/mcp');
    expect(result.stdout).toContain('DNS not consulted');
  });

  it('lets loopback through only with both allowances a test deployment would give', async () => {
    const url = 'http://127.0.0.1:3001/mcp';
    expect((await runCli(['check-url', url, '--allow-http-host', '127.0.0.1'])).code).toBe(1);
    expect((await runCli(['check-url', url, '--allow-address', '127.0.0.1'])).stdout).toContain('EGRESS.HTTP_NOT_ALLOWED');
    const both = await runCli(['check-url', url, '--allow-http-host', '127.0.0.1', '--allow-address', '127.0.0.0/8']);
    expect(both.code).toBe(0);
    const metadata = await runCli(['check-url', 'http://169.254.169.254/', '--allow-http-host', '169.254.169.254', '--allow-address', '0.0.0.0/0']);
    expect(metadata.code).toBe(1);
    expect(metadata.stdout).toContain('EGRESS.METADATA');
  });

  it('exits 2 on bad usage, and the help lists check-url', async () => {
    const none = await runCli(['check-url']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('usage: warden check-url');
    expect((await runCli(['check-url', 'https://a.example/', '--allow-address', '10.0.0.0/99'])).code).toBe(2);
    expect((await runCli(['check-url', '--frobnicate', 'https://a.example/'])).code).toBe(2);
    const help = await runCli(['help']);
    expect(help.stderr).toContain('warden check-url URL');
  });
});
