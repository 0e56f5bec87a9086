import { EgressError } from '@warden/egress';
import { WardenError } from '../common/warden-error';
import type { UpstreamEgress } from '../upstream/upstream-egress';

/** A token endpoint that gives no expires_in: assume this. */
const DEFAULT_LIFETIME_MS = 300_000;
const MAX_TOKEN_BYTES = 64 * 1024;

export interface TokenEndpointRequest {
  tokenUrl: string;
  /** The grant's parameters (grant_type, scope, resource, …); the client's authentication is added here. */
  form: URLSearchParams;
  clientId: string;
  clientSecret: string;
  /** client_secret_basic or client_secret_post. */
  clientAuth: 'basic' | 'post';
}

/** A token endpoint's answer, checked: a bearer access token and when it expires. */
export interface IssuedToken {
  accessToken: string;
  expiresAt: number;
  /** The `iss` the answer carried, if any (checked by the caller against the authorization server). */
  issuer?: string;
  /** RFC 8693 `issued_token_type`, if any. */
  issuedTokenType?: string;
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
  if (request.clientAuth === 'post') {
    form.set('client_id', request.clientId);
    form.set('client_secret', request.clientSecret);
  } else {
    // RFC 6749 §2.3.1: each part form-urlencoded before Basic.
    const user = `${encodeURIComponent(request.clientId)}:${encodeURIComponent(request.clientSecret)}`;
    headers.authorization = `Basic ${Buffer.from(user, 'utf8').toString('base64')}`;
  }
  try {
    await egress.vet(new URL(request.tokenUrl));
  } catch (error) {
    if (error instanceof EgressError) throw tokenEndpointError('UPSTREAM.EGRESS_REFUSED', `the OAuth token endpoint is not a permitted destination (${error.code})`, undefined, error.code);
    throw tokenEndpointError('UPSTREAM.TOKEN_ENDPOINT_UNAVAILABLE', 'the OAuth token endpoint of this upstream could not be reached');
  }
  let response: Response;
  try {
    response = await egress.fetch(request.tokenUrl, { method: 'POST', headers, body: form.toString(), signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
  } catch {
    throw tokenEndpointError('UPSTREAM.TOKEN_ENDPOINT_UNAVAILABLE', 'the OAuth token endpoint of this upstream could not be reached');
  }
  const text = await readLimited(response);
  if (response.status === 400 || response.status === 401) {
    throw tokenEndpointError('UPSTREAM.UNAUTHORIZED', "the upstream's OAuth token endpoint refused warden's client credentials", response.status);
  }
  if (!response.ok) throw tokenEndpointError('UPSTREAM.TOKEN_ENDPOINT_UNAVAILABLE', 'the OAuth token endpoint of this upstream failed', response.status);
  let body: { access_token?: unknown; token_type?: unknown; expires_in?: unknown; iss?: unknown; issued_token_type?: unknown };
  try {
    body = JSON.parse(text ?? '') as typeof body;
  } catch {
    throw tokenEndpointError('UPSTREAM.BAD_RESPONSE', 'the OAuth token endpoint answered something that is not a token response');
  }
  const { access_token: accessToken, token_type: tokenType, expires_in: expiresIn } = body ?? {};
  if (typeof accessToken !== 'string' || !/^[\x21-\x7e]{1,8192}$/.test(accessToken) || (typeof tokenType === 'string' && tokenType.toLowerCase() !== 'bearer')) {
    throw tokenEndpointError('UPSTREAM.BAD_RESPONSE', 'the OAuth token endpoint answered no usable bearer token');
  }
  const lifetime = typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn * 1000 : DEFAULT_LIFETIME_MS;
  return {
    accessToken,
    expiresAt: now() + lifetime,
    ...(typeof body.iss === 'string' ? { issuer: body.iss } : {}),
    ...(typeof body.issued_token_type === 'string' ? { issuedTokenType: body.issued_token_type } : {}),
  };
}

function tokenEndpointError(code: string, message: string, status?: number, reason?: string): WardenError {
  return new WardenError('upstream', code, message, { ...(status === undefined ? {} : { tokenEndpointStatus: status }), ...(reason === undefined ? {} : { reason }) });
}

async function readLimited(response: Response): Promise<string | undefined> {
  const text = await response.text().catch(() => undefined);
  return text !== undefined && text.length <= MAX_TOKEN_BYTES ? text : undefined;
}
