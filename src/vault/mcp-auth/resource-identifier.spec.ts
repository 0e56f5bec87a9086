import { canonicalResource, wellKnownUrls } from './resource-identifier';

describe('the MCP server as a protected resource', () => {
  it('canonical URI: lower-case scheme and host, no fragment, no trailing slash of an empty path, the path kept', () => {
    expect(canonicalResource('HTTPS://MCP.Example.com/mcp#frag')).toBe('https://mcp.example.com/mcp');
    expect(canonicalResource('https://mcp.example.com/')).toBe('https://mcp.example.com');
    expect(canonicalResource('https://mcp.example.com:8443/server/mcp/')).toBe('https://mcp.example.com:8443/server/mcp/');
    expect(canonicalResource('http://127.0.0.1:4000/mcp')).toBe('http://127.0.0.1:4000/mcp');
  });

  it('refuses what is not an http(s) URL (a stdio label, nothing)', () => {
    expect(() => canonicalResource(undefined)).toThrow(expect.objectContaining({ code: 'UPSTREAM.AUTH_DISCOVERY_FAILED' }));
    expect(() => canonicalResource('stdio:npx server')).toThrow(expect.objectContaining({ code: 'UPSTREAM.AUTH_DISCOVERY_FAILED' }));
  });

  it('well-known URIs: inserted between host and path, then the root (RFC 9728 §3.1, RFC 8414 §3.1)', () => {
    expect(wellKnownUrls('https://mcp.example.com/public/mcp', 'oauth-protected-resource', true)).toEqual([
      'https://mcp.example.com/.well-known/oauth-protected-resource/public/mcp',
      'https://mcp.example.com/.well-known/oauth-protected-resource',
    ]);
    expect(wellKnownUrls('https://mcp.example.com', 'oauth-protected-resource', true)).toEqual(['https://mcp.example.com/.well-known/oauth-protected-resource']);
    expect(wellKnownUrls('https://as.example/tenant1', 'oauth-authorization-server', false)).toEqual(['https://as.example/.well-known/oauth-authorization-server/tenant1']);
  });
});
