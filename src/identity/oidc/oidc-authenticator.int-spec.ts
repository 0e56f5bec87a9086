import { JwksServer, TEST_AUDIENCE, TEST_ISSUER } from '../../../test/fixtures/jwks-server';
import { WardenError } from '../../common/warden-error';
import { OidcAuthenticator } from './oidc-authenticator';
import { oidcConfigFrom, type OidcConfig } from './oidc-config';

/** The OIDC authenticator against a real JWKS endpoint on 127.0.0.1 signing real tokens. */
describe('OidcAuthenticator', () => {
  let jwks: JwksServer;
  let config: OidcConfig;
  const orgs = { get: (orgId: string) => (orgId === 'org-1' ? { orgId, name: 'one', createdAt: '', suspended: false } : undefined) };

  beforeAll(async () => {
    jwks = await JwksServer.start();
    config = oidcConfigFrom({
      WARDEN_OIDC_ISSUER: TEST_ISSUER,
      WARDEN_OIDC_AUDIENCE: TEST_AUDIENCE,
      WARDEN_OIDC_JWKS_URL: jwks.url,
      WARDEN_OIDC_ROLE_MAP: 'warden-admins=admin,sec=investigator,sec-leads=investigator',
      WARDEN_OIDC_JWKS_COOLDOWN_MS: '0',
    })!;
  });

  afterAll(() => jwks.close());

  const authenticator = (overrides: Partial<OidcConfig> = {}) => new OidcAuthenticator({ ...config, ...overrides }, orgs);
  const refusal = async (token: string, auth = authenticator()) => {
    const error = await Promise.resolve(auth.authenticate(token)).then(() => undefined, (e: unknown) => e);
    if (!(error instanceof WardenError)) throw new Error(`expected a WardenError, got ${String(error)}`);
    return { kind: error.kind, code: error.code, message: error.message };
  };

  it('turns a valid token into a user principal of its organisation with the mapped roles', async () => {
    const token = await jwks.sign({ org: 'org-1', roles: ['sec', 'sec-leads', 'warden-admins', 'marketing'] });
    expect(await authenticator().authenticate(token)).toEqual({ kind: 'user', orgId: 'org-1', userId: 'oidc:alice', roles: ['investigator', 'admin'], via: 'oidc' });
  });

  it('gives an unmapped person no roles (the guard answers 403, not 401)', async () => {
    expect(await authenticator().authenticate(await jwks.sign({ org: 'org-1', roles: ['marketing'] }))).toMatchObject({ roles: [] });
    expect(await authenticator().authenticate(await jwks.sign({ org: 'org-1' }))).toMatchObject({ roles: [] });
    // A single string, and another claim name, by configuration.
    const groups = authenticator({ roleClaim: 'groups' });
    expect(await groups.authenticate(await jwks.sign({ org: 'org-1', groups: 'sec', roles: ['warden-admins'] }))).toMatchObject({ roles: ['investigator'] });
  });

  it('leaves bearers that are not JWTs to the other authenticators', async () => {
    expect(await authenticator().authenticate('wdn_admin_abcdef')).toBeUndefined();
  });

  it('refuses an expired token', async () => {
    const token = await jwks.sign({ org: 'org-1', roles: ['sec'] }, { expiresIn: Math.floor(Date.now() / 1000) - 60 });
    expect(await refusal(token)).toMatchObject({ kind: 'unauthenticated', code: 'AUTH.TOKEN_EXPIRED' });
  });

  it('refuses the wrong issuer and the wrong audience', async () => {
    expect(await refusal(await jwks.sign({ org: 'org-1', iss: 'https://evil.example' }))).toMatchObject({ code: 'AUTH.TOKEN_INVALID', message: expect.stringContaining('claim iss') });
    expect(await refusal(await jwks.sign({ org: 'org-1', aud: 'another-app' }))).toMatchObject({ code: 'AUTH.TOKEN_INVALID', message: expect.stringContaining('claim aud') });
  });

  it('refuses a key the provider does not publish (unknown kid)', async () => {
    expect(await refusal(await jwks.signWithUnpublishedKey({ org: 'org-1' }))).toMatchObject({ code: 'AUTH.TOKEN_INVALID', message: expect.stringContaining('does not publish') });
  });

  it('refuses an algorithm outside the allow-list, even with a published key', async () => {
    const kid = await jwks.addKey('ES384');
    expect(await refusal(await jwks.sign({ org: 'org-1' }, { kid }))).toMatchObject({ code: 'AUTH.TOKEN_INVALID', message: expect.stringContaining('algorithm not allowed') });
    // Allowed by configuration, the same token passes: the refusal was about the algorithm.
    expect(await authenticator({ algorithms: ['ES384'] }).authenticate(await jwks.sign({ org: 'org-1' }, { kid }))).toMatchObject({ orgId: 'org-1' });
  });

  it('refuses a token naming no organisation of this deployment', async () => {
    expect(await refusal(await jwks.sign({ org: 'org-2', roles: ['sec'] }))).toMatchObject({ code: 'AUTH.TOKEN_INVALID', message: expect.stringContaining('claim org') });
    expect(await refusal(await jwks.sign({ roles: ['sec'] }))).toMatchObject({ code: 'AUTH.TOKEN_INVALID' });
  });

  it('follows a key rotation: a token signed with a new kid makes it fetch the JWKS again', async () => {
    const auth = authenticator();
    expect(await auth.authenticate(await jwks.sign({ org: 'org-1' }))).toBeDefined();
    const fetched = jwks.fetches;
    const kid = await jwks.rotate({ retireOld: true });
    expect(await auth.authenticate(await jwks.sign({ org: 'org-1', roles: ['sec'] }, { kid }))).toMatchObject({ roles: ['investigator'] });
    expect(jwks.fetches).toBe(fetched + 1);
  });

  it('fails closed (503, not a pass) when the JWKS cannot be read', async () => {
    const token = await jwks.sign({ org: 'org-1' });
    const down = await JwksServer.start();
    await down.close();
    expect(await refusal(token, authenticator({ jwksUrl: down.url }))).toMatchObject({ kind: 'unavailable', code: 'AUTH.OIDC_UNAVAILABLE' });
  });
});
