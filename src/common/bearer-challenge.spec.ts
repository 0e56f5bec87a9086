import { parseBearerChallenge } from './bearer-challenge';

describe('parseBearerChallenge (WWW-Authenticate, RFC 6750 §3 / RFC 9728 §5.1)', () => {
  it('reads resource_metadata, scope and error, quoted or not, whatever the parameter case', () => {
    expect(parseBearerChallenge('Bearer resource_metadata="https://mcp.example/.well-known/oauth-protected-resource/mcp", scope="files:read files:write"')).toEqual({
      resourceMetadata: 'https://mcp.example/.well-known/oauth-protected-resource/mcp',
      scope: 'files:read files:write',
    });
    expect(parseBearerChallenge('bearer ERROR=insufficient_scope, Scope="admin"')).toEqual({ error: 'insufficient_scope', scope: 'admin' });
    expect(parseBearerChallenge('Bearer')).toEqual({});
  });

  it('finds the Bearer challenge among others and stops at the next scheme', () => {
    expect(parseBearerChallenge('Basic realm="x", Bearer error="invalid_token", scope="a"')).toEqual({ error: 'invalid_token', scope: 'a' });
    expect(parseBearerChallenge('Bearer scope="a", DPoP algs="ES256"')).toEqual({ scope: 'a' });
    expect(parseBearerChallenge('Basic realm="x"')).toBeUndefined();
    expect(parseBearerChallenge(undefined)).toBeUndefined();
    expect(parseBearerChallenge('')).toBeUndefined();
  });

  it('drops values that are not what they claim: a non-http(s) or credentialed metadata URL, a scope with quotes or control characters', () => {
    expect(parseBearerChallenge('Bearer resource_metadata="javascript:alert(1)"')).toEqual({});
    expect(parseBearerChallenge('Bearer resource_metadata="https://u:p@mcp.example/prm"')).toEqual({});
    expect(parseBearerChallenge('Bearer resource_metadata="/relative"')).toEqual({});
    expect(parseBearerChallenge('Bearer scope="a\\"b"')).toEqual({});
    expect(parseBearerChallenge('Bearer scope="a\tb"')).toEqual({});
    expect(parseBearerChallenge(`Bearer scope="${'s'.repeat(9000)}"`)).toBeUndefined();
  });

  it('keeps the first of a repeated parameter', () => {
    expect(parseBearerChallenge('Bearer scope="first", scope="second"')).toEqual({ scope: 'first' });
  });
});
