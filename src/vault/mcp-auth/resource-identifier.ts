import { WardenError } from '../../common/warden-error';

/**
 * The canonical URI of an MCP server as a protected resource (MCP authorization, "Canonical
 * Server URI"; RFC 8707 §2): the endpoint's URL without fragment, scheme and host in lower case
 * (URL does that), and without the trailing slash of an empty path.
 */
export function canonicalResource(upstreamUrl: string | undefined): string {
  let url: URL;
  try {
    url = new URL(String(upstreamUrl));
  } catch {
    throw new WardenError('upstream', 'UPSTREAM.AUTH_DISCOVERY_FAILED', 'an mcp_oauth credential needs the upstream’s http(s) URL (its resource identifier)');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new WardenError('upstream', 'UPSTREAM.AUTH_DISCOVERY_FAILED', 'an mcp_oauth credential is for http(s) upstreams');
  }
  url.hash = '';
  const href = url.href;
  return url.pathname === '/' && url.search === '' ? href.slice(0, -1) : href;
}

/**
 * Where a document about `identifier` lives under a well-known name (RFC 8615): inserted between
 * the host and the path (RFC 9728 §3.1, RFC 8414 §3.1), then (`rootToo`) at the origin's root.
 */
export function wellKnownUrls(identifier: string, name: string, rootToo: boolean): string[] {
  const url = new URL(identifier);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  const inserted = `${url.origin}/.well-known/${name}${path}`;
  const root = `${url.origin}/.well-known/${name}`;
  return path === '' || !rootToo ? [inserted] : [inserted, root];
}
