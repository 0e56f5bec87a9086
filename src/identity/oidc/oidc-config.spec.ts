import { ConfigError, loadConfig } from '../../config/warden-config';
import { oidcConfigFrom, parseRoleMap } from './oidc-config';

const base = { WARDEN_OIDC_ISSUER: 'https://idp.example', WARDEN_OIDC_AUDIENCE: 'warden', WARDEN_OIDC_JWKS_URL: 'https://idp.example/jwks' };

describe('OIDC configuration', () => {
  it('is off when nothing is set, with defaults when the three are set', () => {
    expect(loadConfig({}).oidc).toBeUndefined();
    expect(oidcConfigFrom(base)).toMatchObject({ roleClaim: 'roles', orgClaim: 'org', algorithms: ['RS256', 'ES256', 'EdDSA'], jwksCooldownMs: 30000 });
  });

  it('parses the role map into warden roles', () => {
    expect([...parseRoleMap('warden-admins=admin, sec=investigator ,a=b=auditor')]).toEqual([
      ['warden-admins', 'admin'],
      ['sec', 'investigator'],
      ['a=b', 'auditor'],
    ]);
  });

  it.each([
    [{ WARDEN_OIDC_ISSUER: 'https://idp.example' }, 'together'],
    [{ ...base, WARDEN_OIDC_ROLE_MAP: 'ops=superuser' }, 'ROLE_MAP'],
    [{ ...base, WARDEN_OIDC_ROLE_MAP: 'ops=admin,ops=auditor' }, 'twice'],
    [{ ...base, WARDEN_OIDC_ALGORITHMS: 'RS256,HS256' }, 'HS256'],
    [{ ...base, WARDEN_OIDC_ALGORITHMS: 'none' }, 'none'],
    [{ ...base, WARDEN_OIDC_JWKS_URL: 'http://idp.example/jwks' }, 'https'],
    [{ ...base, WARDEN_OIDC_JWKS_URL: 'not a url' }, 'must be a URL'],
    [{ ...base, WARDEN_OIDC_JWKS_COOLDOWN_MS: '-1' }, 'COOLDOWN'],
  ])('refuses %j at start-up with a clear message', (env, says) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(says);
  });

  it('accepts plain http for a provider on a loopback address only', () => {
    expect(oidcConfigFrom({ ...base, WARDEN_OIDC_JWKS_URL: 'http://127.0.0.1:9000/jwks' })?.jwksUrl).toBe('http://127.0.0.1:9000/jwks');
  });
});
