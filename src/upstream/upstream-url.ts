import { WardenError } from '../common/warden-error';

/**
 * The first line of upstream safety: an upstream must be an absolute http(s) URL with no embedded
 * credentials (credentials belong in the vault). The SSRF policy (private ranges, DNS pinning,
 * TLS-only unless allowed) plugs in here as a later capability; it re-validates on every forward.
 */
export function parseUpstreamUrl(raw: unknown): URL {
  if (typeof raw !== 'string' || raw.trim() === '') {
    throw new WardenError('bad_request', 'UPSTREAM.INVALID_URL', 'url must be an absolute http(s) URL', { field: 'url' });
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WardenError('bad_request', 'UPSTREAM.INVALID_URL', 'url is not a valid URL', { field: 'url' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new WardenError('bad_request', 'UPSTREAM.INVALID_URL', 'url must use http or https', { field: 'url' });
  }
  if (url.username || url.password) {
    throw new WardenError('bad_request', 'UPSTREAM.INVALID_URL', 'url must not embed credentials; use the vault', { field: 'url' });
  }
  if (url.hash) {
    throw new WardenError('bad_request', 'UPSTREAM.INVALID_URL', 'url must not have a fragment', { field: 'url' });
  }
  return url;
}

/** What may be recorded of an upstream URL: no query string (it may carry tokens). */
export function recordableUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}
