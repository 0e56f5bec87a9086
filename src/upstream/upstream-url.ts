import { WardenError } from '../common/warden-error';
import { credentialInUrl } from './url-credentials';

/**
 * The first line of upstream safety: an upstream must be an absolute http(s) URL with no embedded
 * credentials — no userinfo, no credential query parameters, nothing shaped like a known secret
 * (UPSTREAM.CREDENTIALS_IN_URL; credentials belong in the vault). The URL is recorded whole in
 * the signed ServerRegistered event, so this check is what keeps secrets out of it. The SSRF policy (private ranges, DNS pinning,
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
  const credential = credentialInUrl(url);
  if (credential) {
    const where =
      credential.where === 'userinfo' ? 'user info' : credential.where === 'query' ? `query parameter "${credential.parameter}"` : `path segment ${credential.segment}`;
    throw new WardenError(
      'bad_request',
      'UPSTREAM.CREDENTIALS_IN_URL',
      `url carries a credential (${where}): credentials belong in the vault; register the credential separately (the vault comes in a later issue) and the URL without it`,
      { field: 'url', where: credential.where, ...(credential.where === 'query' ? { parameter: credential.parameter } : {}) },
    );
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
