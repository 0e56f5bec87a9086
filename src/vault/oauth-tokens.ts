import type { Credential } from './credential-schemes';
import { parseAssertionKey } from './client-assertion';
import { TokenCache } from './token-cache';
import { requestToken, type ClientAuthentication, type IssuedToken, type TokenEgress } from './token-endpoint';
export { REFRESH_MARGIN_MS } from './token-cache';

type ClientCredentials = Extract<Credential, { scheme: 'oauth_client_credentials' }>;
type RefreshGrant = Extract<Credential, { scheme: 'oauth_refresh_token' }>;
export type TokenGrant = ClientCredentials | RefreshGrant;

/**
 * Where a refresh token the authorization server rotated goes: stored as the credential's next
 * version (resolves once it is, or once storing it failed: the new token is then only in memory).
 */
export type RotatedRefreshToken = (rotated: RefreshGrant, issued: IssuedToken) => Promise<void>;

/** A token request's grant and how it ended (issued; issued with a rotated refresh token; refused: UPSTREAM.UNAUTHORIZED; failed otherwise). */
export type TokenGrantType = 'client_credentials' | 'refresh_token' | 'token_exchange';
export type TokenRequestOutcome = 'issued' | 'rotated' | 'refused' | 'failed';
/** Told of every token request warden makes, by server id (the metrics: warden_oauth_token_requests_total). */
export type TokenRequestObserver = (serverId: string, grant: TokenGrantType, outcome: TokenRequestOutcome) => void;

/** Runs a token request and tells `observe` how it ended (the server id is a token key's part before `@`). */
export async function observedTokenRequest<T>(observe: TokenRequestObserver | undefined, key: string, grant: TokenGrantType, request: () => Promise<T>, rotated: (value: T) => boolean = () => false): Promise<T> {
  const serverId = key.slice(0, Math.max(0, key.indexOf('@'))) || key;
  try {
    const value = await request();
    observe?.(serverId, grant, rotated(value) ? 'rotated' : 'issued');
    return value;
  } catch (error) {
    observe?.(serverId, grant, (error as { code?: string }).code === 'UPSTREAM.UNAUTHORIZED' ? 'refused' : 'failed');
    throw error;
  }
}

/**
 * OAuth 2.0 toward an upstream's token endpoint, called by warden: client credentials (RFC 6749
 * §4.4) or a refresh token (§6); the client authenticates with its secret, a private_key_jwt
 * assertion for aud = the token endpoint URL, or (a refresh token's public client) only its id.
 * One token per credential version, cached, fetched once for concurrent callers, refreshed before
 * expiry, and renewed on demand after a 401 (token-cache.ts). A refresh token the server rotates
 * replaces the old one at once (the old one may now be refused, or even revoke the grant if used
 * again) and is handed to `rotated` to be stored. Token endpoint answers are never relayed or
 * logged (token-endpoint.ts).
 */
export class OAuthTokens {
  private readonly cache: TokenCache;
  /** The refresh token each credential version's grant goes on with, once the server rotated it. */
  private readonly rotatedGrants = new Map<string, RefreshGrant>();

  /** @param egress the upstreams' way out: the token endpoint passes the same SSRF guard as the upstream itself. */
  constructor(
    private readonly timeoutMs: number,
    private readonly egress: TokenEgress,
    private readonly now: () => number = Date.now,
    private readonly observe?: TokenRequestObserver,
  ) {
    this.cache = new TokenCache(now);
  }

  /** A valid token for this credential version (`key`), from the cache unless it is about to expire. */
  token(key: string, credential: TokenGrant, rotated?: RotatedRefreshToken): Promise<string> {
    return this.cache.token(key, () => this.observed(key, credential, rotated));
  }

  /** After the upstream refused `refused`: a fresh token (unless another call got one already). */
  renew(key: string, credential: TokenGrant, refused: string, rotated?: RotatedRefreshToken): Promise<string> {
    return this.cache.renew(key, refused, () => this.observed(key, credential, rotated));
  }

  /** The grant as it goes on after the server rotated its refresh token (for a credential not stored yet). */
  rotatedGrant(key: string): RefreshGrant | undefined {
    return this.rotatedGrants.get(key);
  }

  /** A token already issued, for a version that carries on the grant of another (its rotated refresh token). */
  seed(key: string, issued: IssuedToken): void {
    this.cache.put(key, issued);
  }

  /** Forgets every token of a server's credential (its versions are keyed `<serverId>@<version>`). */
  forget(serverId: string): void {
    this.cache.forget(serverId);
    for (const key of this.rotatedGrants.keys()) if (key.startsWith(`${serverId}@`)) this.rotatedGrants.delete(key);
  }

  private observed(key: string, credential: TokenGrant, rotated: RotatedRefreshToken | undefined): Promise<IssuedToken> {
    const grant = credential.scheme === 'oauth_client_credentials' ? 'client_credentials' : 'refresh_token';
    const before = credential.scheme === 'oauth_refresh_token' ? (this.rotatedGrants.get(key) ?? credential).refreshToken : undefined;
    return observedTokenRequest(this.observe, key, grant, () => this.request(key, credential, rotated), (issued) => before !== undefined && issued.refreshToken !== undefined && issued.refreshToken !== before);
  }

  private async request(key: string, credential: TokenGrant, rotated: RotatedRefreshToken | undefined): Promise<IssuedToken> {
    const client = clientOf(credential);
    if (credential.scheme === 'oauth_client_credentials') {
      const form = new URLSearchParams({ grant_type: 'client_credentials' });
      if (credential.scope) form.set('scope', credential.scope);
      if (credential.resource) form.set('resource', credential.resource);
      return requestToken(this.egress, this.timeoutMs, this.now, { tokenUrl: credential.tokenUrl, form, client });
    }
    const grant = this.rotatedGrants.get(key) ?? credential;
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: grant.refreshToken });
    if (grant.scope) form.set('scope', grant.scope);
    if (grant.resource) form.set('resource', grant.resource);
    const issued = await requestToken(this.egress, this.timeoutMs, this.now, {
      tokenUrl: grant.tokenUrl,
      form,
      client,
      refusal: "the upstream's OAuth token endpoint refused the refresh token (expired or revoked: an operator must authorize warden again and set the new one) or the client",
    });
    if (issued.refreshToken !== undefined && issued.refreshToken !== grant.refreshToken) {
      const next: RefreshGrant = { ...grant, refreshToken: issued.refreshToken };
      this.rotatedGrants.set(key, next);
      await rotated?.(next, issued);
    }
    return issued;
  }
}

function clientOf(credential: TokenGrant): ClientAuthentication {
  switch (credential.clientAuth) {
    case 'private_key_jwt':
      return { method: 'private_key_jwt', clientId: credential.clientId, key: parseAssertionKey(credential.privateKey), keyId: credential.keyId, audience: credential.tokenUrl };
    case 'none':
      return { method: 'none', clientId: credential.clientId };
    default:
      return { method: credential.clientAuth, clientId: credential.clientId, clientSecret: credential.clientSecret };
  }
}
