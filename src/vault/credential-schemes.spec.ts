import { generateKeyPairSync } from 'node:crypto';
import { parseCredential, secretMaterial } from './credential-schemes';

const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'sec1', format: 'pem' }).toString();
const weakKey = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

const invalid = (input: Record<string, unknown>) => {
  try {
    parseCredential(input);
  } catch (error) {
    return error as { code: string; details: { field: string }; message: string };
  }
  throw new Error('accepted');
};

describe('credential schemes', () => {
  it('accepts each scheme with its fields (api_key defaults to a header, OAuth to client_secret_basic)', () => {
    expect(parseCredential({ scheme: 'bearer', token: 't0k' })).toEqual({ scheme: 'bearer', token: 't0k' });
    expect(parseCredential({ scheme: 'api_key', name: 'X-Api-Key', key: 'k' })).toEqual({ scheme: 'api_key', in: 'header', name: 'X-Api-Key', key: 'k' });
    expect(parseCredential({ scheme: 'api_key', in: 'query', name: 'api_key', key: 'k' })).toMatchObject({ in: 'query', name: 'api_key' });
    expect(parseCredential({ scheme: 'headers', headers: { 'X-A': '1', 'X-B': '2' } })).toEqual({ scheme: 'headers', headers: { 'X-A': '1', 'X-B': '2' } });
    expect(parseCredential({ scheme: 'oauth_client_credentials', tokenUrl: 'http://127.0.0.1:9/token', clientId: 'c', clientSecret: 's' })).toMatchObject({ clientAuth: 'basic' });
    expect(parseCredential({ scheme: 'env', variables: { API_TOKEN: 'a b; $(c)', _X1: '=' } })).toEqual({ scheme: 'env', variables: { API_TOKEN: 'a b; $(c)', _X1: '=' } });
  });

  it('mcp_oauth: issuer identifiers kept exactly as given; token exchange types default to access_token', () => {
    const base = { scheme: 'mcp_oauth', clientId: 'c', clientSecret: 's', authorizationServers: ['https://as.example', 'https://as.example/tenant/'] };
    expect(parseCredential(base)).toEqual(base);
    expect(parseCredential({ ...base, scope: 'mcp:tools', tokenExchange: { subjectToken: 'st', audience: 'urn:x' } })).toEqual({
      ...base,
      scope: 'mcp:tools',
      tokenExchange: { subjectToken: 'st', subjectTokenType: 'urn:ietf:params:oauth:token-type:access_token', requestedTokenType: 'urn:ietf:params:oauth:token-type:access_token', audience: 'urn:x' },
    });
    const material = secretMaterial(parseCredential({ ...base, tokenExchange: { subjectToken: 'st' } }));
    expect(secretMaterial(parseCredential({ ...base, tokenExchange: { subjectToken: 'other' } }))).not.toBe(material);
  });

  it('private_key_jwt: a key instead of a secret, kept as PKCS#8; the default when a key is given; kid and audience choice kept', () => {
    const cc = parseCredential({ scheme: 'oauth_client_credentials', tokenUrl: 'http://127.0.0.1:9/token', clientId: 'c', privateKey: ecKey, keyId: 'k1' });
    expect(cc).toEqual({ scheme: 'oauth_client_credentials', tokenUrl: 'http://127.0.0.1:9/token', clientId: 'c', clientAuth: 'private_key_jwt', privateKey: expect.stringContaining('BEGIN PRIVATE KEY'), keyId: 'k1' });
    const mcp = parseCredential({ scheme: 'mcp_oauth', clientId: 'c', privateKey: ecKey, authorizationServers: ['https://as'], assertionAudience: 'issuer' });
    expect(mcp).toMatchObject({ clientAuth: 'private_key_jwt', assertionAudience: 'issuer', privateKey: expect.stringContaining('BEGIN PRIVATE KEY') });
    expect(mcp).not.toHaveProperty('clientSecret');
    const other = parseCredential({ scheme: 'mcp_oauth', clientId: 'c', privateKey: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), authorizationServers: ['https://as'], assertionAudience: 'issuer' });
    expect(secretMaterial(other)).not.toBe(secretMaterial(mcp));
    // A secret-based credential keeps the secret material it had before private_key_jwt (its fingerprint does not move).
    expect(secretMaterial(parseCredential({ scheme: 'oauth_client_credentials', tokenUrl: 'http://127.0.0.1:9/token', clientId: 'c', clientSecret: 's' }))).toBe('oauth\0http://127.0.0.1:9/token\0c\0s\0\0');
  });

  it('oauth_refresh_token: a confidential client (secret or key) by default, a public one only when asked', () => {
    const base = { scheme: 'oauth_refresh_token', tokenUrl: 'http://127.0.0.1:9/token', clientId: 'c', refreshToken: 'rt' };
    expect(parseCredential({ ...base, clientSecret: 's' })).toEqual({ ...base, clientAuth: 'basic', clientSecret: 's' });
    expect(parseCredential({ ...base, clientAuth: 'none' })).toEqual({ ...base, clientAuth: 'none' });
    expect(parseCredential({ ...base, privateKey: ecKey })).toMatchObject({ clientAuth: 'private_key_jwt' });
    const material = secretMaterial(parseCredential({ ...base, clientAuth: 'none' }));
    expect(secretMaterial(parseCredential({ ...base, clientAuth: 'none', refreshToken: 'rotated' }))).not.toBe(material);
  });

  it.each([
    [{ scheme: 'kerberos' }, 'scheme'],
    [{ scheme: 'bearer' }, 'token'],
    [{ scheme: 'bearer', token: 'a\r\nX-Evil: 1' }, 'token'],
    [{ scheme: 'bearer', token: 't', key: 'extra' }, 'key'],
    [{ scheme: 'api_key', name: 'Bad Header', key: 'k' }, 'name'],
    [{ scheme: 'api_key', name: 'Host', key: 'k' }, 'name'],
    [{ scheme: 'api_key', in: 'query', name: 'a&b', key: 'k' }, 'name'],
    [{ scheme: 'headers', headers: {} }, 'headers'],
    [{ scheme: 'headers', headers: { 'Mcp-Session-Id': 'x' } }, 'headers.Mcp-Session-Id'],
    [{ scheme: 'oauth_client_credentials', tokenUrl: 'ftp://x/token', clientId: 'c', clientSecret: 's' }, 'tokenUrl'],
    [{ scheme: 'oauth_client_credentials', tokenUrl: 'http://u:p@h/token', clientId: 'c', clientSecret: 's' }, 'tokenUrl'],
    [{ scheme: 'env', variables: {} }, 'variables'],
    [{ scheme: 'env', variables: ['A'] }, 'variables'],
    [{ scheme: 'env', variables: { '1A': 'x' } }, 'variables'],
    [{ scheme: 'env', variables: { 'A-B': 'x' } }, 'variables'],
    [{ scheme: 'env', variables: { A: '' } }, 'variables.A'],
    [{ scheme: 'env', variables: { A: 'line\nX-Evil' } }, 'variables.A'],
    [{ scheme: 'env', variables: { A: 1 } }, 'variables.A'],
    [{ scheme: 'env', variables: { A: 'x' }, token: 't' }, 'token'],
    [{ scheme: 'mcp_oauth', clientId: 'c', clientSecret: 's' }, 'authorizationServers'],
    [{ scheme: 'mcp_oauth', clientId: 'c', clientSecret: 's', authorizationServers: [] }, 'authorizationServers'],
    [{ scheme: 'mcp_oauth', clientId: 'c', clientSecret: 's', authorizationServers: ['https://as/#x'] }, 'authorizationServers[0]'],
    [{ scheme: 'mcp_oauth', clientId: 'c', clientSecret: 's', authorizationServers: ['https://as/?q=1'] }, 'authorizationServers[0]'],
    [{ scheme: 'mcp_oauth', clientId: 'c', clientSecret: 's', authorizationServers: ['https://as'], clientAuth: 'jwt' }, 'clientAuth'],
    [{ scheme: 'mcp_oauth', clientId: 'c', clientSecret: 's', authorizationServers: ['https://as'], tokenExchange: 'st' }, 'tokenExchange'],
    [{ scheme: 'mcp_oauth', clientId: 'c', clientSecret: 's', authorizationServers: ['https://as'], tokenExchange: { subjectToken: 'a\nX-Evil' } }, 'tokenExchange.subjectToken'],
    [{ scheme: 'mcp_oauth', clientId: 'c', clientSecret: 's', authorizationServers: ['https://as'], tokenExchange: { subjectToken: 't', audience: 'no uri' } }, 'tokenExchange.audience'],
    [{ scheme: 'oauth_client_credentials', tokenUrl: 'http://127.0.0.1/token', clientId: 'c', clientAuth: 'private_key_jwt' }, 'privateKey'],
    [{ scheme: 'oauth_client_credentials', tokenUrl: 'http://127.0.0.1/token', clientId: 'c', clientSecret: 's', privateKey: ecKey }, 'clientSecret'],
    [{ scheme: 'oauth_client_credentials', tokenUrl: 'http://127.0.0.1/token', clientId: 'c', clientAuth: 'basic', clientSecret: 's', keyId: 'k' }, 'keyId'],
    [{ scheme: 'oauth_client_credentials', tokenUrl: 'http://127.0.0.1/token', clientId: 'c', privateKey: weakKey }, 'privateKey'],
    [{ scheme: 'oauth_client_credentials', tokenUrl: 'http://127.0.0.1/token', clientId: 'c', privateKey: 'X-Evil' }, 'privateKey'],
    [{ scheme: 'oauth_client_credentials', tokenUrl: 'http://127.0.0.1/token', clientId: 'c', privateKey: ecKey, keyId: 'a b' }, 'keyId'],
    [{ scheme: 'mcp_oauth', clientId: 'c', clientSecret: 's', authorizationServers: ['https://as'], assertionAudience: 'issuer' }, 'assertionAudience'],
    [{ scheme: 'mcp_oauth', clientId: 'c', privateKey: ecKey, authorizationServers: ['https://as'], assertionAudience: 'resource' }, 'assertionAudience'],
    [{ scheme: 'mcp_oauth', clientId: 'c', clientAuth: 'post', privateKey: ecKey, authorizationServers: ['https://as'] }, 'privateKey'],
    [{ scheme: 'oauth_refresh_token', tokenUrl: 'http://127.0.0.1/token', clientId: 'c', clientSecret: 's' }, 'refreshToken'],
    [{ scheme: 'oauth_refresh_token', tokenUrl: 'http://127.0.0.1/token', clientId: 'c', refreshToken: 'rt' }, 'clientSecret'],
    [{ scheme: 'oauth_refresh_token', tokenUrl: 'http://127.0.0.1/token', clientId: 'c', refreshToken: 'rt', clientAuth: 'none', privateKey: ecKey }, 'privateKey'],
    [{ scheme: 'oauth_client_credentials', tokenUrl: 'http://127.0.0.1/token', clientId: 'c', clientAuth: 'none' }, 'clientAuth'],
  ])('refuses %j with 400 VAULT.INVALID_CREDENTIAL naming %s, echoing no value', (input, field) => {
    const error = invalid(input);
    expect(error).toMatchObject({ code: 'VAULT.INVALID_CREDENTIAL', details: { field } });
    expect(error.message).not.toContain('X-Evil');
  });

  it('gives the same secret material whatever the header order, and different material for different secrets', () => {
    const a = secretMaterial(parseCredential({ scheme: 'headers', headers: { 'X-A': '1', 'X-B': '2' } }));
    expect(secretMaterial(parseCredential({ scheme: 'headers', headers: { 'X-B': '2', 'X-A': '1' } }))).toBe(a);
    expect(secretMaterial(parseCredential({ scheme: 'headers', headers: { 'X-B': '3', 'X-A': '1' } }))).not.toBe(a);
    const e = secretMaterial(parseCredential({ scheme: 'env', variables: { A: '1', B: '2' } }));
    expect(secretMaterial(parseCredential({ scheme: 'env', variables: { B: '2', A: '1' } }))).toBe(e);
    expect(secretMaterial(parseCredential({ scheme: 'env', variables: { B: '2', A: '3' } }))).not.toBe(e);
  });
});
