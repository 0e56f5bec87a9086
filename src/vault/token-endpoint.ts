import { EgressError } from '@warden/egress';
import { WardenError } from '../common/warden-error';
import type { UpstreamEgress } from '../upstream/upstream-egress';
import { clientAssertion, JWT_BEARER_ASSERTION_TYPE, type AssertionKey } from './client-assertion';

/** A token endpoint that gives no expires_in: assume this. */
const DEFAULT_LIFETIME_MS = 300_000;
const MAX_TOKEN_BYTES = 64 * 1024;
/** An access or refresh token warden accepts: 1-8192 visible ASCII characters (it goes into a header or a vault record). */
const TOKEN = /^[\x21-\x7e]{1,8192}$/;

/**
 * How warden authenticates as the client: client_secret_basic or client_secret_post (RFC 6749
 * §2.3.1), or private_key_jwt (RFC 7523 §2.2: a JWT signed with the client's key, for `audience`).
 */
export type ClientAuthentication =
  | { method: 'basic' | 'post'; clientId: string; clientSecret: string }
  /** A public client (RFC 6749 §2.1): it only names itself. */
  | { method: 'none'; clientId: string }
  | { method: 'private_key_jwt'; clientId: string; key: AssertionKey; keyId?: string; audience: string };

export interface TokenEndpointRequest {
  tokenUrl: string;
  /** The grant's parameters (grant_type, scope, resource, …); the client's authentication is added here. */
  form: URLSearchParams;
  client: ClientAuthentication;
  /** What a refusal (400 / 401) means for this grant, for the error; default: the client credentials were refused. */
  refusal?: string;
}

/** A token endpoint's answer, checked: a bearer access token and when it expires. */
export interface IssuedToken {
  accessToken: string;
  expiresAt: number;
  /** The `iss` the answer carried, if any (checked by the caller against the authorization server). */
  issuer?: string;
  /** RFC 8693 `issued_token_type`, if any. */
  issuedTokenType?: string;
  /** A refresh token the answer carried (RFC 6749 §6: the server may rotate it). */
  refreshToken?: string;
}

export type TokenEgress = Pick<UpstreamEgress, 'vet' | 'fetch'>;

/**
 * POSTs a token request (RFC 6749 §3.2) through the egress guard and reads the answer. The
 * endpoint's answers (which may echo what they received) are never relayed or logged: errors
 * name the failure and the HTTP status, nothing else.
 */
export async function requestToken(egress: TokenEgress, timeoutMs: number, now: () => number, request: TokenEndpointRequest): Promise<IssuedToken> {
  const form = new URLSearchParams(request.form);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  try {
    await egress.vet(new URL(request.tokenUrl));
  } catch (error) {
    if (error instanceof EgressError) throw tokenEndpointError('UPSTREAM.EGRESS_REFUSED', `the OAuth token endpoint is not a permitted destination (${error.code})`, undefined, error.code);
    throw tokenEndpointError('UPSTREAM.TOKEN_ENDPOINT_UNAVAILABLE', 'the OAuth token endpoint of this upstream could not be reached');
  }
  await authenticate(request.client, form, headers, now);
  let response: Response;
  try {
    response = await egress.fetch(request.tokenUrl, { method: 'POST', headers, body: form.toString(), signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
  } catch {
    throw tokenEndpointError('UPSTREAM.TOKEN_ENDPOINT_UNAVAILABLE', 'the OAuth token endpoint of this upstream could not be reached');
  }
  const text = await readLimited(response);
  if (response.status === 400 || response.status === 401) {
    throw tokenEndpointError('UPSTREAM.UNAUTHORIZED', request.refusal ?? "the upstream's OAuth token endpoint refused warden's client credentials", response.status);
  }
  if (!response.ok) throw tokenEndpointError('UPSTREAM.TOKEN_ENDPOINT_UNAVAILABLE', 'the OAuth token endpoint of this upstream failed', response.status);
  let body: { access_token?: unknown; token_type?: unknown; expires_in?: unknown; iss?: unknown; issued_token_type?: unknown; refresh_token?: unknown };
  try {
    body = JSON.parse(text ?? '') as typeof body;
  } catch {
    throw tokenEndpointError('UPSTREAM.BAD_RESPONSE', 'the OAuth token endpoint answered something that is not a token response');
  }
  const { access_token: accessToken, token_type: tokenType, expires_in: expiresIn } = body ?? {};
  if (typeof accessToken !== 'string' || !TOKEN.test(accessToken) || (typeof tokenType === 'string' && tokenType.toLowerCase() !== 'bearer')) {
    throw tokenEndpointError('UPSTREAM.BAD_RESPONSE', 'the OAuth token endpoint answered no usable bearer token');
  }
  const lifetime = typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn * 1000 : DEFAULT_LIFETIME_MS;
  return {
    accessToken,
    expiresAt: now() + lifetime,
    ...(typeof body.iss === 'string' ? { issuer: body.iss } : {}),
    ...(typeof body.issued_token_type === 'string' ? { issuedTokenType: body.issued_token_type } : {}),
    ...(typeof body.refresh_token === 'string' && TOKEN.test(body.refresh_token) ? { refreshToken: body.refresh_token } : {}),
  };
}

/** Adds the client's authentication to the request (made only once the endpoint passed the egress guard). */
async function authenticate(client: ClientAuthentication, form: URLSearchParams, headers: Record<string, string>, now: () => number): Promise<void> {
  switch (client.method) {
    case 'none':
      form.set('client_id', client.clientId);
      return;
    case 'post':
      form.set('client_id', client.clientId);
      form.set('client_secret', client.clientSecret);
      return;
    case 'basic': {
      // RFC 6749 §2.3.1: each part form-urlencoded before Basic.
      const user = `${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`;
      headers.authorization = `Basic ${Buffer.from(user, 'utf8').toString('base64')}`;
      return;
    }
    case 'private_key_jwt':
      form.set('client_id', client.clientId);
      form.set('client_assertion_type', JWT_BEARER_ASSERTION_TYPE);
      form.set('client_assertion', await clientAssertion({ clientId: client.clientId, key: client.key, keyId: client.keyId, audience: client.audience, now }));
  }
}

function tokenEndpointError(code: string, message: string, status?: number, reason?: string): WardenError {
  return new WardenError('upstream', code, message, { ...(status === undefined ? {} : { tokenEndpointStatus: status }), ...(reason === undefined ? {} : { reason }) });
}

async function readLimited(response: Response): Promise<string | undefined> {
  const text = await response.text().catch(() => undefined);
  return text !== undefined && text.length <= MAX_TOKEN_BYTES ? text : undefined;
}
