import { fencedNetwork, type FencedNetwork } from '../../libs/egress/src/testing/fenced-network';
import { startLegacyMcpServer, type LegacyMcpServer } from '../../test/fixtures/legacy-mcp-server';
import { WardenError } from '../common/warden-error';
import { loadConfig } from '../config/warden-config';
import { UpstreamPool } from './upstream-pool';

/**
 * Every upstream connection goes through the egress guard: the URL check, then the checking
 * lookup under the pool's undici dispatcher and the SDK handshake's fetch. Names resolve only
 * through a fenced table (loopback answers, or private ones that must never be connected to);
 * the fence's connector refuses anything but 127.0.0.1 / ::1 even if the guard were wrong.
 */
describe('UpstreamPool: egress', () => {
  let upstream: LegacyMcpServer;
  let net: FencedNetwork;
  let pool: UpstreamPool;
  const port = () => new URL(upstream.url).port;

  beforeAll(async () => {
    upstream = await startLegacyMcpServer();
  });
  afterAll(() => upstream.close());
  beforeEach(() => {
    net = fencedNetwork({ 'notes.test': [['127.0.0.1']], 'internal.test': [['10.0.0.7']], 'rebind.test': [['93.184.216.34'], ['93.184.216.34'], ['10.0.0.8']] });
    const config = loadConfig({ WARDEN_EGRESS_ALLOW_HTTP_HOSTS: 'notes.test,internal.test,rebind.test', WARDEN_EGRESS_ALLOW_PRIVATE: 'notes.test', WARDEN_UPSTREAM_TIMEOUT_MS: '2000' });
    pool = new UpstreamPool(config, { lookup: net.lookup, connector: net.connector });
  });
  afterEach(() => pool.onApplicationShutdown());

  const refusal = (promise: Promise<unknown>) => promise.then(() => 'allowed', (error: unknown) => (error instanceof WardenError ? { kind: error.kind, code: error.code, ...error.details } : String(error)));

  it.each([
    ['http://169.254.169.254/latest/meta-data/', 'EGRESS.METADATA'],
    ['http://10.0.0.1/mcp', 'EGRESS.BLOCKED_ADDRESS'],
    ['http://93.184.216.34/mcp', 'EGRESS.HTTP_NOT_ALLOWED'],
    ['https://127.0.0.1:1/mcp', 'EGRESS.BLOCKED_ADDRESS'],
    ['http://metadata.google.internal/', 'EGRESS.METADATA'],
  ])('refuses %s at registration (400 %s) without resolving or connecting', async (url, code) => {
    await expect(refusal(pool.vet(new URL(url)))).resolves.toMatchObject({ kind: 'bad_request', code, reason: code, field: 'url' });
    expect(net.lookups).toEqual([]);
    expect(net.fenced).toEqual([]);
  });

  it('refuses a name that resolves to a private address, having asked the resolver, and connects nowhere', async () => {
    await expect(refusal(pool.vet(new URL('http://internal.test/mcp')))).resolves.toMatchObject({ kind: 'bad_request', code: 'EGRESS.BLOCKED_ADDRESS' });
    expect(net.lookups).toEqual(['internal.test']);
    await expect(refusal(pool.open(new URL('http://internal.test/mcp')))).resolves.toMatchObject({ kind: 'upstream', code: 'UPSTREAM.EGRESS_REFUSED', reason: 'EGRESS.BLOCKED_ADDRESS' });
    await expect(refusal(pool.request({ serverId: 's-internal', url: 'http://internal.test/mcp' }, 'tools/list', undefined))).resolves.toMatchObject({ code: 'UPSTREAM.EGRESS_REFUSED' });
    expect(net.fenced).toEqual([]);
  });

  it('checks the address again when connecting: a name that answers public, then private, is refused at connect time', async () => {
    await expect(pool.vet(new URL(`http://rebind.test:${port()}/mcp`))).resolves.toBeUndefined();
    // The pool vets again before opening (the second answer), then the handshake connects (the third).
    await expect(refusal(pool.request({ serverId: 's-rebind', url: `http://rebind.test:${port()}/mcp` }, 'tools/list', undefined))).resolves.toMatchObject({
      kind: 'upstream',
      code: 'UPSTREAM.EGRESS_REFUSED',
      reason: 'EGRESS.BLOCKED_ADDRESS',
    });
    expect(net.lookups).toEqual(['rebind.test', 'rebind.test', 'rebind.test']);
    expect(net.fenced).toEqual([]);
  });

  it('opens sessions (the SDK handshake included) and calls through the guarded dispatcher', async () => {
    const url = `http://notes.test:${port()}/mcp`;
    await pool.vet(new URL(url));
    const session = await pool.open(new URL(url));
    try {
      expect(Array.isArray((await pool.requestOn(session, 'tools/list', undefined)).tools)).toBe(true);
    } finally {
      await session.close();
    }
    const result = await pool.request({ serverId: 's-notes', url }, 'tools/call', { name: 'echo', arguments: { via: 'fence' } });
    expect(JSON.stringify(result)).toContain('fence');
    expect(net.lookups.every((name) => name === 'notes.test')).toBe(true);
    expect(net.lookups.length).toBeGreaterThan(0);
    expect(net.fenced).toEqual([]);
  });
});
