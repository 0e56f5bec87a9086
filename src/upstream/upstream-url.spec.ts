import { parseUpstreamUrl, recordableUrl } from './upstream-url';

describe('parseUpstreamUrl', () => {
  it.each([
    ['not a url', 'UPSTREAM.INVALID_URL'],
    ['', 'UPSTREAM.INVALID_URL'],
    ['ftp://example.test/x', 'UPSTREAM.INVALID_URL'],
    ['http://127.0.0.1:1/mcp#frag', 'UPSTREAM.INVALID_URL'],
  ])('rejects %p', (raw, code) => {
    expect(() => parseUpstreamUrl(raw)).toThrow(expect.objectContaining({ code, kind: 'bad_request' }));
  });

  it('rejects non-strings', () => {
    expect(() => parseUpstreamUrl(42)).toThrow(expect.objectContaining({ code: 'UPSTREAM.INVALID_URL' }));
  });

  it('accepts http(s) URLs and records them without the query', () => {
    const url = parseUpstreamUrl('https://mcp.example.test:8443/mcp?region=eu');
    expect(recordableUrl(url)).toBe('https://mcp.example.test:8443/mcp');
  });

  const CANARY = 'c4n4ry-Zq81x';
  it.each([
    ['userinfo', `http://user:${CANARY}@127.0.0.1:1/mcp`, 'userinfo'],
    ['api_key', `http://127.0.0.1:1/mcp?api_key=${CANARY}`, 'query'],
    ['API-KEY in upper case', `http://127.0.0.1:1/mcp?API-KEY=${CANARY}`, 'query'],
    ['access_token among others', `http://127.0.0.1:1/mcp?region=eu&Access_Token=${CANARY}`, 'query'],
    ['X-Amz-Signature', `https://bucket.example.test/mcp?X-Amz-Signature=${CANARY}`, 'query'],
    ['a client_secret', `http://127.0.0.1:1/mcp?client_secret=${CANARY}`, 'query'],
    ['a GitHub token under any name', `http://127.0.0.1:1/mcp?x=ghp_${'a'.repeat(36)}`, 'query'],
    ['an AWS key id in the path', 'http://127.0.0.1:1/AKIAIOSFODNN7EXAMPLE/mcp', 'path'],
    ['a JWT in the path', 'http://127.0.0.1:1/mcp/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig', 'path'],
  ])('refuses credentials in the URL (%s) without echoing them', (_what, raw, where) => {
    let caught: any;
    try {
      parseUpstreamUrl(raw);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'UPSTREAM.CREDENTIALS_IN_URL', kind: 'bad_request', details: { field: 'url', where } });
    expect(caught.message).toContain('credentials belong in the vault');
    expect(JSON.stringify({ message: caught.message, details: caught.details })).not.toMatch(new RegExp(`${CANARY}|AKIA|ghp_|eyJ`));
  });

  it.each(['http://127.0.0.1:1/mcp?region=eu&page=2', 'http://127.0.0.1:1/keys/mcp', 'http://127.0.0.1:1/mcp?monkey=1'])('accepts %p', (raw) => {
    expect(parseUpstreamUrl(raw).toString()).toBe(raw);
  });
});
