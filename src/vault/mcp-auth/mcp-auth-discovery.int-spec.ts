import { fencedNetwork } from '../../../libs/egress/src/testing/fenced-network';
import { listenOnLoopback, type LoopbackHttpServer } from '../../../test/fixtures/loopback-http';
import { createUpstreamEgress, egressPolicyFrom, type UpstreamEgress } from '../../upstream/upstream-egress';
import { McpAuthDiscovery, METADATA_TTL_MS } from './mcp-auth-discovery';

/**
 * Discovery against a real HTTP server on 127.0.0.1 reached by name through the egress guard
 * (a fenced resolver: `site.test` is loopback and allowed, `inside.test` resolves to a private
 * address that must never be connected to). The server answers documents from a table.
 */
describe('McpAuthDiscovery', () => {
  let http: LoopbackHttpServer;
  let egress: UpstreamEgress;
  let documents: Record<string, { status: number; body?: unknown; headers?: Record<string, string> }>;
  const fetched: string[] = [];
  let clock = 1_000_000;
  let base: string;

  beforeAll(async () => {
    http = await listenOnLoopback((req, res) => {
      fetched.push(req.url ?? '');
      const doc = documents[req.url ?? ''] ?? { status: 404 };
      res.writeHead(doc.status, { 'content-type': 'application/json', ...doc.headers });
      res.end(doc.body === undefined ? '' : JSON.stringify(doc.body));
    }, 0, '');
    base = `http://site.test:${http.port}`;
  });
  afterAll(() => http.close());
  beforeEach(() => {
    const net = fencedNetwork({ 'site.test': [['127.0.0.1']], 'inside.test': [['10.0.0.7']] });
    egress = createUpstreamEgress(egressPolicyFrom(['site.test', 'inside.test'], ['site.test']), { lookup: net.lookup, connector: net.connector });
    fetched.length = 0;
    documents = {};
  });
  afterEach(() => egress.close());

  const discovery = () => new McpAuthDiscovery(egress, 2000, () => clock);
  const failure = (p: Promise<unknown>) => p.then(() => 'found', (e: { code?: string }) => e.code);

  it('falls back to the root metadata and to OpenID Connect discovery (path appended), checking resource and issuer', async () => {
    const resource = `${base}/tenant/mcp`;
    const issuer = `${base}/realms/a`;
    documents['/.well-known/oauth-protected-resource'] = { status: 200, body: { resource, authorization_servers: ['https://unlisted.example', issuer], scopes_supported: ['x'] } };
    documents['/realms/a/.well-known/openid-configuration'] = { status: 200, body: { issuer, token_endpoint: `${base}/realms/a/token`, token_endpoint_auth_methods_supported: ['client_secret_post'] } };
    const found = await discovery().discover(resource, [issuer]);
    expect(found).toEqual({
      resource,
      metadataUrl: `${base}/.well-known/oauth-protected-resource`,
      scopesSupported: ['x'],
      server: { issuer, tokenEndpoint: `${base}/realms/a/token`, authMethods: ['client_secret_post'] },
    });
    expect(fetched).toEqual([
      '/.well-known/oauth-protected-resource/tenant/mcp',
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-authorization-server/realms/a',
      '/.well-known/openid-configuration/realms/a',
      '/realms/a/.well-known/openid-configuration',
    ]);
  });

  it('reuses documents until their TTL runs out', async () => {
    const resource = `${base}/mcp`;
    documents['/.well-known/oauth-protected-resource/mcp'] = { status: 200, body: { resource, authorization_servers: [base] } };
    documents['/.well-known/oauth-authorization-server'] = { status: 200, body: { issuer: base, token_endpoint: `${base}/token` } };
    const d = discovery();
    await d.discover(resource, [base]);
    const first = fetched.length;
    await d.discover(resource, [base]);
    expect(fetched.length).toBe(first);
    clock += METADATA_TTL_MS + 1;
    await d.discover(resource, [base]);
    expect(fetched.length).toBe(first * 2);
  });

  it('no metadata at the well-known places: undefined (the 401 challenge will say); a named URL that is not there fails', async () => {
    const d = discovery();
    await expect(d.discover(`${base}/mcp`, [base])).resolves.toBeUndefined();
    await expect(failure(d.discover(`${base}/mcp`, [base], `${base}/elsewhere`))).resolves.toBe('UPSTREAM.AUTH_DISCOVERY_FAILED');
  });

  it('remembers the metadata URL a challenge named, and forgets it once it is gone', async () => {
    const resource = `${base}/mcp`;
    documents['/named'] = { status: 200, body: { resource, authorization_servers: [base] } };
    documents['/.well-known/oauth-authorization-server'] = { status: 200, body: { issuer: base, token_endpoint: `${base}/token` } };
    const d = discovery();
    expect(await d.discover(resource, [base], `${base}/named`)).toMatchObject({ metadataUrl: `${base}/named` });
    expect(await d.discover(resource, [base])).toMatchObject({ metadataUrl: `${base}/named` });
    delete documents['/named'];
    clock += METADATA_TTL_MS + 1;
    await expect(d.discover(resource, [base])).resolves.toBeUndefined();
  });

  it('does not follow a redirect, and refuses a document that is not a JSON object', async () => {
    documents['/.well-known/oauth-protected-resource/mcp'] = { status: 302, headers: { location: 'http://inside.test/prm' } };
    await expect(failure(discovery().discover(`${base}/mcp`, [base]))).resolves.toBe('UPSTREAM.AUTH_DISCOVERY_FAILED');
    documents['/.well-known/oauth-protected-resource/mcp'] = { status: 200, body: ['not', 'an', 'object'] };
    await expect(failure(discovery().discover(`${base}/mcp`, [base]))).resolves.toBe('UPSTREAM.AUTH_DISCOVERY_FAILED');
    expect(fetched.some((f) => f.includes('prm'))).toBe(false);
  });

  it('an authorization server whose name resolves to a private address is refused by the egress guard, not connected', async () => {
    const resource = `${base}/mcp`;
    const inside = 'http://inside.test';
    documents['/.well-known/oauth-protected-resource/mcp'] = { status: 200, body: { resource, authorization_servers: [inside] } };
    await expect(failure(discovery().discover(resource, [inside]))).resolves.toBe('UPSTREAM.EGRESS_REFUSED');
  });

  it('the metadata must be for this resource exactly: the origin alone is not this endpoint', async () => {
    documents['/.well-known/oauth-protected-resource'] = { status: 200, body: { resource: base, authorization_servers: [base] } };
    await expect(failure(discovery().discover(`${base}/mcp`, [base]))).resolves.toBe('UPSTREAM.AUTH_RESOURCE_MISMATCH');
  });
});
