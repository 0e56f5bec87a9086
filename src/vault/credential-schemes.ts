import { WardenError } from '../common/warden-error';
import { parseAssertionKey } from './client-assertion';

/** What an operator may register for an upstream (every field is secret unless said otherwise). */
export type Credential =
  | { scheme: 'bearer'; token: string }
  /** `name` (a header or a query parameter) is not secret; `key` is. */
  | { scheme: 'api_key'; in: 'header' | 'query'; name: string; key: string }
  | { scheme: 'headers'; headers: Record<string, string> }
  /** A stdio upstream's environment variables (names are not secret; values are). */
  | { scheme: 'env'; variables: Record<string, string> }
  | ({
      scheme: 'oauth_client_credentials';
      tokenUrl: string;
      clientId: string;
      scope?: string;
      /** RFC 8707 resource indicator sent to the token endpoint. */
      resource?: string;
    } & (
      /** client_secret_basic (default) or client_secret_post. */
      | { clientAuth: 'basic' | 'post'; clientSecret: string }
      /** private_key_jwt: assertions for aud = the token endpoint URL. */
      | ClientKeyAuth
    ))
  /**
   * OAuth 2.0 refresh token grant (RFC 6749 §6) toward a server that only knows user-delegated
   * tokens: an operator authorized warden once (authorization code flow, outside warden) and
   * gives the refresh token it got; warden trades it for access tokens. A refresh token the
   * authorization server rotates is stored as the credential's next version (CredentialRotated).
   */
  | ({
      scheme: 'oauth_refresh_token';
      tokenUrl: string;
      clientId: string;
      refreshToken: string;
      scope?: string;
      /** RFC 8707 resource indicator sent to the token endpoint. */
      resource?: string;
    } & (
      | { clientAuth: 'basic' | 'post'; clientSecret: string }
      /** A public client (RFC 6749 §2.1): client_id only. */
      | { clientAuth: 'none' }
      | ClientKeyAuth
    ))
  /**
   * The MCP authorization flow toward a protected upstream (src/vault/mcp-auth): its
   * authorization server is discovered (RFC 9728, RFC 8414), one of `authorizationServers`
   * (issuer identifiers, not secret) or none; warden is an OAuth client of it (client
   * credentials, or RFC 8693 token exchange of `tokenExchange.subjectToken`).
   */
  | ({
      scheme: 'mcp_oauth';
      clientId: string;
      authorizationServers: string[];
      /** Overrides the scope the upstream's challenge or metadata asks for. */
      scope?: string;
      tokenExchange?: TokenExchange;
    } & (
      /** Unset clientAuth: what the authorization server's metadata supports (basic first). */
      | { clientSecret: string; clientAuth?: 'basic' | 'post' }
      /** private_key_jwt, which the server's metadata must list; aud = its token endpoint (default) or its issuer identifier. */
      | (ClientKeyAuth & { assertionAudience?: 'token_endpoint' | 'issuer' })
    ));

/**
 * private_key_jwt (RFC 7523 §2.2): warden signs a client assertion with the client's own key
 * (`privateKey`, a PKCS#8 PEM: secret) instead of sending a secret; `keyId` (its JWS kid) is not secret.
 */
export interface ClientKeyAuth {
  clientAuth: 'private_key_jwt';
  privateKey: string;
  keyId?: string;
}

/** RFC 8693: the token warden trades for one for the upstream (`subjectToken` is secret). */
export interface TokenExchange {
  subjectToken: string;
  subjectTokenType: string;
  requestedTokenType: string;
  audience?: string;
}

export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

export type CredentialScheme = Credential['scheme'];
export const CREDENTIAL_SCHEMES: readonly CredentialScheme[] = ['bearer', 'api_key', 'headers', 'env', 'oauth_client_credentials', 'oauth_refresh_token', 'mcp_oauth'];

/** The schemes a stdio upstream can use (it has no HTTP to carry a header). */
export const STDIO_CREDENTIAL_SCHEMES: readonly CredentialScheme[] = ['env'];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** Any characters but NUL, CR and LF (stderr is redacted line by line). */
const ENV_VALUE = /^[^\0\r\n]{1,8192}$/;

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;
/** Visible ASCII and spaces/tabs inside: no CR/LF (header injection), no control characters. */
const HEADER_VALUE = /^[\x21-\x7e](?:[\x20-\x7e\t]*[\x21-\x7e])?$/;
const QUERY_NAME = /^[A-Za-z0-9._~-]{1,128}$/;
/** Headers warden itself owns on the hop: a credential may not replace them. */
const RESERVED_HEADERS = new Set(['host', 'content-type', 'content-length', 'accept', 'connection', 'transfer-encoding', 'mcp-session-id', 'mcp-protocol-version', 'mcp-method', 'mcp-name', 'last-event-id']);
const MAX_SECRET = 8192;
/** A PEM private key: RSA 4096 is ~3,300 characters. */
const MAX_PEM = 16384;
const KEY_ID = /^[\x21-\x7e]{1,256}$/;
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]+(?: [\x21\x23-\x5b\x5d-\x7e]+)*$/;
/** An absolute URI (RFC 3986 scheme ':' …) of visible ASCII: token type identifiers, audiences. */
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7e]{1,2040}$/;

function bad(message: string, field: string): WardenError {
  return new WardenError('bad_request', 'VAULT.INVALID_CREDENTIAL', message, { field });
}

function secretField(input: Record<string, unknown>, field: string): string {
  const value = input[field];
  if (typeof value !== 'string' || value.length === 0) throw bad(`${field} is required for this scheme`, field);
  if (value.length > MAX_SECRET || !HEADER_VALUE.test(value)) throw bad(`${field} must be 1-${MAX_SECRET} visible ASCII characters`, field);
  return value;
}

function headerName(name: unknown, field: string): string {
  if (typeof name !== 'string' || !HEADER_NAME.test(name)) throw bad(`${field} must be an HTTP header name`, field);
  if (RESERVED_HEADERS.has(name.toLowerCase())) throw bad(`${field} "${name}" is a header warden sets itself`, field);
  return name;
}

function fields(input: Record<string, unknown>, allowed: readonly string[]): void {
  const extra = Object.keys(input).find((k) => input[k] !== undefined && !allowed.includes(k));
  if (extra !== undefined) throw bad(`${extra} does not belong to scheme ${String(input.scheme)}`, extra);
}

/**
 * Validates what the API received into a Credential (bad input: 400 VAULT.INVALID_CREDENTIAL,
 * naming the field, never echoing a value).
 */
export function parseCredential(input: Record<string, unknown>): Credential {
  switch (input.scheme) {
    case 'bearer':
      fields(input, ['scheme', 'token']);
      return { scheme: 'bearer', token: secretField(input, 'token') };
    case 'api_key': {
      fields(input, ['scheme', 'in', 'name', 'key']);
      const where = input.in ?? 'header';
      if (where !== 'header' && where !== 'query') throw bad('in must be "header" or "query"', 'in');
      const name = where === 'header' ? headerName(input.name, 'name') : input.name;
      if (where === 'query' && (typeof name !== 'string' || !QUERY_NAME.test(name))) throw bad('name must be a query parameter name ([A-Za-z0-9._~-])', 'name');
      return { scheme: 'api_key', in: where, name: name as string, key: secretField(input, 'key') };
    }
    case 'headers': {
      fields(input, ['scheme', 'headers']);
      const headers = input.headers;
      if (typeof headers !== 'object' || headers === null || Array.isArray(headers) || Object.keys(headers).length === 0 || Object.keys(headers).length > 32) {
        throw bad('headers must be an object of 1 to 32 header names and values', 'headers');
      }
      const out: Record<string, string> = {};
      for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
        headerName(name, `headers.${name}`);
        out[name] = secretField({ v: value }, 'v');
      }
      return { scheme: 'headers', headers: out };
    }
    case 'env': {
      fields(input, ['scheme', 'variables']);
      const variables = input.variables;
      if (typeof variables !== 'object' || variables === null || Array.isArray(variables) || Object.keys(variables).length === 0 || Object.keys(variables).length > 64) {
        throw bad('variables must be an object of 1 to 64 environment variable names and values', 'variables');
      }
      const out: Record<string, string> = {};
      for (const [name, value] of Object.entries(variables as Record<string, unknown>)) {
        if (!ENV_NAME.test(name)) throw bad('variable names must match [A-Za-z_][A-Za-z0-9_]*', 'variables');
        if (typeof value !== 'string' || !ENV_VALUE.test(value)) throw bad(`variables.${name} must be 1-8192 characters without NUL, CR or LF`, `variables.${name}`);
        out[name] = value;
      }
      return { scheme: 'env', variables: out };
    }
    case 'oauth_client_credentials': {
      fields(input, ['scheme', 'tokenUrl', 'clientId', 'clientSecret', 'privateKey', 'keyId', 'scope', 'resource', 'clientAuth']);
      const tokenUrl = httpUrl(input.tokenUrl, 'tokenUrl');
      const scope = scopeField(input);
      const resource = input.resource === undefined ? undefined : httpUrl(input.resource, 'resource');
      return {
        scheme: 'oauth_client_credentials',
        tokenUrl,
        clientId: secretField(input, 'clientId'),
        ...confidentialClient(input),
        ...(scope === undefined ? {} : { scope: scope as string }),
        ...(resource === undefined ? {} : { resource }),
      };
    }
    case 'oauth_refresh_token': {
      fields(input, ['scheme', 'tokenUrl', 'clientId', 'clientSecret', 'privateKey', 'keyId', 'refreshToken', 'scope', 'resource', 'clientAuth']);
      const tokenUrl = httpUrl(input.tokenUrl, 'tokenUrl');
      const scope = scopeField(input);
      const resource = input.resource === undefined ? undefined : httpUrl(input.resource, 'resource');
      let client: { clientAuth: 'none' } | ReturnType<typeof confidentialClient>;
      if (input.clientAuth === 'none') {
        if (input.clientSecret !== undefined || input.privateKey !== undefined) throw bad('a public client (clientAuth "none") has no clientSecret or privateKey', input.clientSecret !== undefined ? 'clientSecret' : 'privateKey');
        client = { clientAuth: 'none' };
      } else {
        client = confidentialClient(input);
      }
      return {
        scheme: 'oauth_refresh_token',
        tokenUrl,
        clientId: secretField(input, 'clientId'),
        refreshToken: secretField(input, 'refreshToken'),
        ...client,
        ...(scope === undefined ? {} : { scope: scope as string }),
        ...(resource === undefined ? {} : { resource }),
      };
    }
    case 'mcp_oauth':
      return parseMcpOAuth(input);
    default:
      throw bad(`scheme must be one of ${CREDENTIAL_SCHEMES.join(', ')}`, 'scheme');
  }
}

function scopeField(input: Record<string, unknown>): string | undefined {
  const scope = input.scope;
  if (scope !== undefined && (typeof scope !== 'string' || scope.length > 1024 || !SCOPE.test(scope))) throw bad('scope must be space-separated scope tokens', 'scope');
  return scope;
}

function parseMcpOAuth(input: Record<string, unknown>): Credential {
  fields(input, ['scheme', 'clientId', 'clientSecret', 'privateKey', 'keyId', 'assertionAudience', 'authorizationServers', 'scope', 'clientAuth', 'tokenExchange']);
  const servers = input.authorizationServers;
  if (!Array.isArray(servers) || servers.length === 0 || servers.length > 8) throw bad('authorizationServers must list 1 to 8 authorization server issuer URLs', 'authorizationServers');
  servers.forEach((server, i) => {
    httpUrl(server, `authorizationServers[${i}]`);
    if (String(server).length > 2048 || String(server).includes('?')) throw bad(`authorizationServers[${i}] must be an issuer identifier (no query)`, `authorizationServers[${i}]`);
  });
  const clientAuth = input.clientAuth ?? (input.privateKey === undefined ? undefined : 'private_key_jwt');
  if (clientAuth !== undefined && clientAuth !== 'basic' && clientAuth !== 'post' && clientAuth !== 'private_key_jwt') throw bad('clientAuth must be "basic", "post" or "private_key_jwt"', 'clientAuth');
  const scope = scopeField(input);
  const exchange = input.tokenExchange === undefined ? undefined : parseTokenExchange(input.tokenExchange);
  let authentication: { clientSecret: string; clientAuth?: 'basic' | 'post' } | (ClientKeyAuth & { assertionAudience?: 'token_endpoint' | 'issuer' });
  if (clientAuth === 'private_key_jwt') {
    const audience = input.assertionAudience as 'token_endpoint' | 'issuer' | undefined;
    if (audience !== undefined && audience !== 'token_endpoint' && audience !== 'issuer') throw bad('assertionAudience must be "token_endpoint" or "issuer"', 'assertionAudience');
    authentication = { ...clientKeyAuth(input), ...(audience === undefined ? {} : { assertionAudience: audience }) };
  } else {
    if (input.assertionAudience !== undefined) throw bad('assertionAudience belongs to private_key_jwt', 'assertionAudience');
    authentication = { clientSecret: clientSecretOnly(input), ...(clientAuth === undefined ? {} : { clientAuth }) };
  }
  return {
    scheme: 'mcp_oauth',
    clientId: secretField(input, 'clientId'),
    // Issuer identifiers compare as exact strings (RFC 8414 §3.3): kept as given, not normalised.
    authorizationServers: [...new Set(servers as string[])],
    ...(scope === undefined ? {} : { scope }),
    ...authentication,
    ...(exchange === undefined ? {} : { tokenExchange: exchange }),
  };
}

/** client_secret_basic (the default), client_secret_post, or private_key_jwt (the default when a privateKey is given). */
function confidentialClient(input: Record<string, unknown>): { clientAuth: 'basic' | 'post'; clientSecret: string } | ClientKeyAuth {
  const clientAuth = input.clientAuth ?? (input.privateKey === undefined ? 'basic' : 'private_key_jwt');
  if (clientAuth !== 'basic' && clientAuth !== 'post' && clientAuth !== 'private_key_jwt') throw bad(`clientAuth must be "basic", "post" or "private_key_jwt"${input.scheme === 'oauth_refresh_token' ? ' (or "none": a public client)' : ''}`, 'clientAuth');
  return clientAuth === 'private_key_jwt' ? clientKeyAuth(input) : { clientAuth, clientSecret: clientSecretOnly(input) };
}

/** A client secret, and no private key beside it (one way to authenticate). */
function clientSecretOnly(input: Record<string, unknown>): string {
  if (input.privateKey !== undefined || input.keyId !== undefined) throw bad('privateKey and keyId belong to clientAuth "private_key_jwt"', input.privateKey !== undefined ? 'privateKey' : 'keyId');
  return secretField(input, 'clientSecret');
}

/** The client's private key (kept as PKCS#8 PEM) and its kid, and no client secret beside them. */
function clientKeyAuth(input: Record<string, unknown>): ClientKeyAuth {
  if (input.clientSecret !== undefined) throw bad('private_key_jwt authenticates with privateKey, not a clientSecret', 'clientSecret');
  const pem = input.privateKey;
  if (typeof pem !== 'string' || pem.length === 0 || pem.length > MAX_PEM) throw bad(`privateKey is required for private_key_jwt: a PEM private key of at most ${MAX_PEM} characters`, 'privateKey');
  let privateKey: string;
  try {
    privateKey = parseAssertionKey(pem).pem;
  } catch (error) {
    throw bad((error as Error).message, 'privateKey');
  }
  const keyId = input.keyId;
  if (keyId !== undefined && (typeof keyId !== 'string' || !KEY_ID.test(keyId))) throw bad('keyId must be 1-256 visible ASCII characters', 'keyId');
  return { clientAuth: 'private_key_jwt', privateKey, ...(keyId === undefined ? {} : { keyId }) };
}

function parseTokenExchange(value: unknown): TokenExchange {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('tokenExchange must be an object', 'tokenExchange');
  const input = value as Record<string, unknown>;
  const extra = Object.keys(input).find((k) => !['subjectToken', 'subjectTokenType', 'requestedTokenType', 'audience'].includes(k));
  if (extra !== undefined) throw bad(`tokenExchange.${extra} is not a token exchange field`, `tokenExchange.${extra}`);
  const uri = (field: string, fallback?: string): string | undefined => {
    const v = input[field] ?? fallback;
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || !URI.test(v)) throw bad(`tokenExchange.${field} must be an absolute URI`, `tokenExchange.${field}`);
    return v;
  };
  let subjectToken: string;
  try {
    subjectToken = secretField(input, 'subjectToken');
  } catch {
    throw bad('tokenExchange.subjectToken is required: 1-8192 visible ASCII characters', 'tokenExchange.subjectToken');
  }
  const audience = uri('audience');
  return {
    subjectToken,
    subjectTokenType: uri('subjectTokenType', ACCESS_TOKEN_TYPE)!,
    requestedTokenType: uri('requestedTokenType', ACCESS_TOKEN_TYPE)!,
    ...(audience === undefined ? {} : { audience }),
  };
}

function httpUrl(value: unknown, field: string): string {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw bad(`${field} must be an absolute http(s) URL`, field);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || url.hash) throw bad(`${field} must be an http(s) URL without user info or fragment`, field);
  return url.toString();
}

/** The secret material of a credential, canonical, for its keyed fingerprint. */
export function secretMaterial(credential: Credential): string {
  switch (credential.scheme) {
    case 'bearer':
      return `bearer\0${credential.token}`;
    case 'api_key':
      return `api_key\0${credential.in}\0${credential.name}\0${credential.key}`;
    case 'headers':
      return `headers\0${Object.entries(credential.headers).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k.toLowerCase()}\0${v}`).join('\0')}`;
    case 'env':
      return `env\0${Object.entries(credential.variables).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}\0${v}`).join('\0')}`;
    case 'oauth_client_credentials':
      return `oauth\0${credential.tokenUrl}\0${credential.clientId}\0${clientProof(credential)}\0${credential.scope ?? ''}\0${credential.resource ?? ''}`;
    case 'oauth_refresh_token':
      return `oauth_refresh\0${credential.tokenUrl}\0${credential.clientId}\0${clientProof(credential)}\0${credential.refreshToken}\0${credential.scope ?? ''}\0${credential.resource ?? ''}`;
    case 'mcp_oauth': {
      const exchange = credential.tokenExchange;
      const exchanged = exchange ? `${exchange.subjectToken}\0${exchange.subjectTokenType}\0${exchange.requestedTokenType}\0${exchange.audience ?? ''}` : '';
      const audience = credential.clientAuth === 'private_key_jwt' ? `\0${credential.assertionAudience ?? ''}` : '';
      return `mcp_oauth\0${credential.clientId}\0${clientProof(credential)}\0${credential.authorizationServers.join(' ')}\0${credential.scope ?? ''}\0${credential.clientAuth ?? ''}\0${exchanged}${audience}`;
    }
  }
}

/** What proves the client: its secret (as before private_key_jwt, so fingerprints stay), its key and kid, or nothing (a public client). */
function clientProof(credential: { clientAuth?: string; clientSecret?: string; privateKey?: string; keyId?: string }): string {
  if (credential.clientAuth === 'private_key_jwt') return `private_key_jwt\0${credential.privateKey}\0${credential.keyId ?? ''}`;
  return credential.clientAuth === 'none' ? 'none' : credential.clientSecret!;
}
