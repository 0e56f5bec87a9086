import { JwksServer, TEST_AUDIENCE, TEST_ISSUER } from '../fixtures/jwks-server';
import { startHarness, type Harness } from './support/gateway-harness';
import { rawPost } from './support/raw-mcp';

/** People sign in with the deployment's OIDC provider: through the command API of a real gateway. */
describe('OIDC sign-in at the command API', () => {
  let jwks: JwksServer;
  let h: Harness;

  beforeAll(async () => {
    jwks = await JwksServer.start();
    h = await startHarness({
      WARDEN_OIDC_ISSUER: TEST_ISSUER,
      WARDEN_OIDC_AUDIENCE: TEST_AUDIENCE,
      WARDEN_OIDC_JWKS_URL: jwks.url,
      WARDEN_OIDC_ROLE_MAP: 'warden-admins=admin,sec=investigator',
      WARDEN_OIDC_JWKS_COOLDOWN_MS: '0',
    });
  });

  afterAll(async () => {
    await h.cleanup();
    await jwks.close();
  });

  const whoami = (token: string | null) => h.api.request('GET', '/v1/whoami', undefined, token);

  it('admits a person with a mapped role as a user principal of their organisation', async () => {
    const res = await whoami(await jwks.sign({ org: h.orgId, roles: ['sec', 'other'] }));
    expect(res).toEqual({ status: 200, body: { principal: { kind: 'user', orgId: h.orgId, userId: 'oidc:alice', roles: ['investigator'], via: 'oidc' } } });
  });

  it('answers 403 (not 401) for a signed-in person without a mapped role', async () => {
    const res = await whoami(await jwks.sign({ org: h.orgId, roles: ['marketing'] }));
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 403, code: 'AUTH.ROLE_REQUIRED' });
  });

  it('answers 401 with a clear code for bad tokens, never a 500', async () => {
    const cases: Array<[string | null, string]> = [
      [null, 'AUTH.MISSING_KEY'],
      [await jwks.sign({ org: h.orgId, roles: ['sec'] }, { expiresIn: Math.floor(Date.now() / 1000) - 60 }), 'AUTH.TOKEN_EXPIRED'],
      [await jwks.sign({ org: h.orgId, iss: 'https://evil.example' }), 'AUTH.TOKEN_INVALID'],
      [await jwks.sign({ org: h.orgId, aud: 'other' }), 'AUTH.TOKEN_INVALID'],
      [await jwks.signWithUnpublishedKey({ org: h.orgId, roles: ['warden-admins'] }), 'AUTH.TOKEN_INVALID'],
      [await jwks.sign({ org: 'no-such-org', roles: ['warden-admins'] }), 'AUTH.TOKEN_INVALID'],
      ['not.a.jwt', 'AUTH.TOKEN_INVALID'],
    ];
    for (const [token, code] of cases) {
      const res = await whoami(token);
      expect({ token, status: res.status, code: res.body.code }).toEqual({ token, status: 401, code });
    }
  });

  it('follows the provider’s key rotation', async () => {
    const kid = await jwks.rotate({ retireOld: true });
    const res = await whoami(await jwks.sign({ org: h.orgId, roles: ['warden-admins'] }, { kid }));
    expect(res.body).toMatchObject({ principal: { roles: ['admin'] } });
  });

  it('keeps a person’s token out of /mcp', async () => {
    const token = await jwks.sign({ org: h.orgId, roles: ['warden-admins'] });
    const res = await rawPost(`${h.url}/mcp`, { jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }, { authorization: `Bearer ${token}` });
    expect({ status: res.status, reason: res.body.error.data.reason }).toEqual({ status: 401, reason: 'AUTH.TOKEN_INVALID' });
  });

  it('describes /v1/whoami and the token routes in the OpenAPI document', async () => {
    const doc = (await h.api.request('GET', '/docs', undefined, null)).body;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/whoami', '/v1/tokens', '/v1/tokens/{jti}/revoke', '/agent/v1/tokens']));
    expect(doc.paths['/v1/tokens'].post.summary).toContain('Roles: operator, admin');
  });
});
