import { WardenError } from '../common/warden-error';
import { EgressError } from '@warden/egress';
import type { UpstreamEgress } from '../upstream/upstream-egress';
import type { Credential } from './credential-schemes';

type ClientCredentials = Extract<Credential, { scheme: 'oauth_client_credentials' }>;

/** A token is refreshed when less than this remains of its life (before the upstream would refuse it). */
export const REFRESH_MARGIN_MS = 30_000;
/** A token endpoint that gives no expires_in: assume this. */
const DEFAULT_LIFETIME_MS = 300_000;
const MAX_TOKEN_BYTES = 64 * 1024;

interface CachedToken {
  accessToken: string;
  expiresAt: number;
}

/**
 * OAuth 2.0 client credentials (RFC 6749 §4.4) toward an upstream's token endpoint, called by
 * warden: one token per credential version, cached, fetched once for concurrent callers,
 * refreshed before expiry, and renewed on demand after a 401. Token endpoint answers (which may
 * echo what they received) are never relayed or logged.
 */
export class OAuthTokens {
  private readonly tokens = new Map<string, Promise<CachedToken>>();

  /** @param egress the upstreams' way out: the token endpoint passes the same SSRF guard as the upstream itself. */
  constructor(
    private readonly timeoutMs: number,
    private readonly egress: Pick<UpstreamEgress, 'vet' | 'fetch'>,
    private readonly now: () => number = Date.now,
  ) {}

  /** A valid token for this credential version (`key`), from the cache unless it is about to expire. */
  async token(key: string, credential: ClientCredentials): Promise<string> {
    const cached = this.tokens.get(key);
    if (cached) {
      const token = await cached.catch(() => undefined);
      if (token && token.expiresAt - this.now() > REFRESH_MARGIN_MS) return token.accessToken;
      if (this.tokens.get(key) !== cached) return this.token(key, credential); // someone refreshed meanwhile
    }
    return (await this.fetchInto(key, credential)).accessToken;
  }

  /** After the upstream refused `refused`: a fresh token (unless another call got one already). */
  async renew(key: string, credential: ClientCredentials, refused: string): Promise<string> {
    const cached = await this.tokens.get(key)?.catch(() => undefined);
    if (cached && cached.accessToken !== refused) return cached.accessToken;
    return (await this.fetchInto(key, credential)).accessToken;
  }

  /** Forgets every token of a server's credential (its versions are keyed `<serverId>@<version>`). */
  forget(serverId: string): void {
    for (const key of this.tokens.keys()) if (key.startsWith(`${serverId}@`)) this.tokens.delete(key);
  }

  private fetchInto(key: string, credential: ClientCredentials): Promise<CachedToken> {
    const pending = this.request(credential);
    this.tokens.set(key, pending);
    pending.catch(() => {
      if (this.tokens.get(key) === pending) this.tokens.delete(key);
    });
    return pending;
  }

  private async request(credential: ClientCredentials): Promise<CachedToken> {
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (credential.scope) form.set('scope', credential.scope);
    if (credential.resource) form.set('resource', credential.resource);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (credential.clientAuth === 'post') {
      form.set('client_id', credential.clientId);
      form.set('client_secret', credential.clientSecret);
    } else {
      // RFC 6749 §2.3.1: each part form-urlencoded before Basic.
      const user = `${encodeURIComponent(credential.clientId)}:${encodeURIComponent(credential.clientSecret)}`;
      headers.authorization = `Basic ${Buffer.from(user, 'utf8').toString('base64')}`;
    }
    let response: Response;
    try {
      await this.egress.vet(new URL(credential.tokenUrl));
    } catch (error) {
      if (error instanceof EgressError) throw tokenEndpointError('UPSTREAM.EGRESS_REFUSED', `the OAuth token endpoint is not a permitted destination (${error.code})`);
      throw tokenEndpointError('UPSTREAM.TOKEN_ENDPOINT_UNAVAILABLE', 'the OAuth token endpoint of this upstream could not be reached');
    }
    try {
      response = await this.egress.fetch(credential.tokenUrl, { method: 'POST', headers, body: form.toString(), signal: AbortSignal.timeout(this.timeoutMs), redirect: 'manual' });
    } catch {
      throw tokenEndpointError('UPSTREAM.TOKEN_ENDPOINT_UNAVAILABLE', 'the OAuth token endpoint of this upstream could not be reached');
    }
    const text = await readLimited(response);
    if (response.status === 400 || response.status === 401) {
      throw tokenEndpointError('UPSTREAM.UNAUTHORIZED', "the upstream's OAuth token endpoint refused warden's client credentials", response.status);
    }
    if (!response.ok) throw tokenEndpointError('UPSTREAM.TOKEN_ENDPOINT_UNAVAILABLE', 'the OAuth token endpoint of this upstream failed', response.status);
    let body: { access_token?: unknown; token_type?: unknown; expires_in?: unknown };
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
    return { accessToken, expiresAt: this.now() + lifetime };
  }
}

function tokenEndpointError(code: string, message: string, status?: number): WardenError {
  return new WardenError('upstream', code, message, status === undefined ? {} : { tokenEndpointStatus: status });
}

async function readLimited(response: Response): Promise<string | undefined> {
  const text = await response.text().catch(() => undefined);
  return text !== undefined && text.length <= MAX_TOKEN_BYTES ? text : undefined;
}
