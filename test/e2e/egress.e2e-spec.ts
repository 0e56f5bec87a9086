import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { readLedger } from './support/ledger-reader';
import { startHarness, type Harness } from './support/gateway-harness';

/**
 * Registration goes through the egress guard: a URL warden may not reach is refused with 400 and
 * its EGRESS.* reason, before any connection, and nothing is recorded. The developer default
 * (no egress settings) allows loopback over http, so the README's 127.0.0.1 example works.
 */
describe('egress at registration', () => {
  let h: Harness;
  let upstream: LegacyMcpServer;

  beforeAll(async () => {
    h = await startHarness();
    upstream = await startLegacyMcpServer();
  });
  afterAll(async () => {
    await h.cleanup();
    await upstream.close();
  });

  it.each([
    ['http://169.254.169.254/latest/meta-data/', 'EGRESS.METADATA'],
    ['http://[fd00:ec2::254]/', 'EGRESS.METADATA'],
    ['http://10.0.0.1/mcp', 'EGRESS.BLOCKED_ADDRESS'],
    ['http://0x7f000002/mcp', 'EGRESS.BLOCKED_ADDRESS'],
    ['http://printer.local/mcp', 'EGRESS.BLOCKED_HOST'],
    ['http://93.184.216.34/mcp', 'EGRESS.HTTP_NOT_ALLOWED'],
  ])('refuses %s with 400 %s and records nothing', async (url, code) => {
    const before = readLedger(h.dataDir).length;
    const res = await h.api.request('POST', '/v1/servers', { name: 'Refused', slug: 'refused', url });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code, reason: code, field: 'url' });
    expect(readLedger(h.dataDir)).toHaveLength(before);
  });

  it('registers a loopback upstream under the developer default, by address and as localhost', async () => {
    expect((await h.api.registerServer('Notes', 'notes', upstream.url)).tools.length).toBeGreaterThan(0);
    expect((await h.api.registerServer('Local', 'local', upstream.url.replace('127.0.0.1', 'localhost'))).tools.length).toBeGreaterThan(0);
  });

  it('says at start that loopback is allowed by default', () => {
    expect(h.gateway.trust.notices.some((n) => n.includes('egress') && n.includes('loopback'))).toBe(true);
  });
});
