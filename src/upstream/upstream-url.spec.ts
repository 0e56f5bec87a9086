import { parseUpstreamUrl, recordableUrl } from './upstream-url';

describe('parseUpstreamUrl', () => {
  it.each([
    ['not a url', 'UPSTREAM.INVALID_URL'],
    ['', 'UPSTREAM.INVALID_URL'],
    ['ftp://example.test/x', 'UPSTREAM.INVALID_URL'],
    ['http://user:pw@127.0.0.1:1/mcp', 'UPSTREAM.INVALID_URL'],
    ['http://127.0.0.1:1/mcp#frag', 'UPSTREAM.INVALID_URL'],
  ])('rejects %p', (raw, code) => {
    expect(() => parseUpstreamUrl(raw)).toThrow(expect.objectContaining({ code, kind: 'bad_request' }));
  });

  it('rejects non-strings', () => {
    expect(() => parseUpstreamUrl(42)).toThrow(expect.objectContaining({ code: 'UPSTREAM.INVALID_URL' }));
  });

  it('accepts http(s) URLs and records them without the query', () => {
    const url = parseUpstreamUrl('https://mcp.example.test:8443/mcp?token=abc');
    expect(recordableUrl(url)).toBe('https://mcp.example.test:8443/mcp');
  });
});
