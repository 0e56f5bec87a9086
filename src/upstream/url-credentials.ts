/**
 * Credentials must not travel inside an upstream URL: the URL is recorded in the signed, permanent
 * `ServerRegistered` event, where a secret could never be erased. This spots them: userinfo,
 * query parameters named like credentials, and values (of any parameter or path segment) shaped
 * like well-known secrets. It answers WHERE a credential is, never its value.
 */

/** Query parameter names that carry credentials, compared case-insensitively. */
const CREDENTIAL_PARAMETERS = new Set([
  'api_key', 'apikey', 'api-key', 'key', 'token', 'access_token', 'accesstoken', 'refresh_token', 'id_token', 'auth', 'authorization',
  'password', 'passwd', 'pwd', 'pass', 'secret', 'client_secret', 'sig', 'signature', 'x-amz-signature', 'x-amz-credential',
  'x-amz-security-token', 'x-goog-signature', 'x-goog-credential', 'session', 'sessionid', 'session_id', 'jwt', 'bearer', 'code',
  'private_key', 'credential', 'credentials', 'auth_token', 'access_key', 'secret_key', 'subscription-key', 'sas', 'sv',
]);

/** Shapes of widely used secrets (cloud keys, tokens, JWTs, warden's own keys). */
const SECRET_SHAPES: readonly RegExp[] = [
  /^(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16}$/, // AWS access key ids
  /^gh[pousr]_[A-Za-z0-9]{30,}$/, // GitHub tokens
  /^github_pat_[A-Za-z0-9_]{30,}$/,
  /^glpat-[A-Za-z0-9_-]{20,}$/, // GitLab
  /^xox[abposr]-[A-Za-z0-9-]{10,}$/, // Slack
  /^sk-[A-Za-z0-9_-]{20,}$/, // OpenAI-style secret keys
  /^sk_(?:live|test)_[A-Za-z0-9]{16,}$/, // Stripe
  /^AIza[A-Za-z0-9_-]{35}$/, // Google API keys
  /^eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*$/, // JWTs
  /^wdn_(?:admin|agent)_[A-Za-z0-9_-]{20,}$/, // warden's own keys
];

export type UrlCredential = { where: 'userinfo' } | { where: 'query'; parameter: string } | { where: 'path'; segment: number };

/** A parameter or option name that carries a credential (`api_key`, `token`, …), case-insensitively. */
export function isCredentialName(name: string): boolean {
  return CREDENTIAL_PARAMETERS.has(name.toLowerCase());
}

export function looksLikeSecret(value: string): boolean {
  return SECRET_SHAPES.some((shape) => shape.test(value));
}

export function credentialInUrl(url: URL): UrlCredential | undefined {
  if (url.username || url.password) return { where: 'userinfo' };
  for (const [name, value] of url.searchParams) {
    if (CREDENTIAL_PARAMETERS.has(name.toLowerCase()) || looksLikeSecret(value)) return { where: 'query', parameter: safeName(name) };
  }
  const segments = url.pathname.split('/');
  for (let i = 0; i < segments.length; i++) {
    if (looksLikeSecret(decodeOrKeep(segments[i]))) return { where: 'path', segment: i };
  }
  return undefined;
}

/** A parameter name is not a secret, but keep what is echoed short and plain. */
const safeName = (name: string) => (/^[\w.-]{1,40}$/.test(name) ? name : '(unnamed)');

function decodeOrKeep(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
