import type { Credential } from './credential-schemes';
import { TokenCache } from './token-cache';
import { parseAssertionKey } from './client-assertion';
import { requestToken, type ClientAuthentication, type TokenEgress } from './token-endpoint';
export { REFRESH_MARGIN_MS } from './token-cache';

type ClientCredentials = Extract<Credential, { scheme: 'oauth_client_credentials' }>;

/**
 * OAuth 2.0 client credentials (RFC 6749 §4.4) toward an upstream's token endpoint, called by
 * warden (the client authenticates with its secret, or a private_key_jwt assertion for aud = the
 * token endpoint URL): one token per credential version, cached, fetched once for concurrent callers,
 * refreshed before expiry, and renewed on demand after a 401 (token-cache.ts). Token endpoint
 * answers are never relayed or logged (token-endpoint.ts).
 */
export class OAuthTokens {
  private readonly cache: TokenCache;

  /** @param egress the upstreams' way out: the token endpoint passes the same SSRF guard as the upstream itself. */
  constructor(
    private readonly timeoutMs: number,
    private readonly egress: TokenEgress,
    private readonly now: () => number = Date.now,
  ) {
    this.cache = new TokenCache(now);
  }

  /** A valid token for this credential version (`key`), from the cache unless it is about to expire. */
  token(key: string, credential: ClientCredentials): Promise<string> {
    return this.cache.token(key, () => this.request(credential));
  }

  /** After the upstream refused `refused`: a fresh token (unless another call got one already). */
  renew(key: string, credential: ClientCredentials, refused: string): Promise<string> {
    return this.cache.renew(key, refused, () => this.request(credential));
  }

  /** Forgets every token of a server's credential (its versions are keyed `<serverId>@<version>`). */
  forget(serverId: string): void {
    this.cache.forget(serverId);
  }

  private request(credential: ClientCredentials) {
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (credential.scope) form.set('scope', credential.scope);
    if (credential.resource) form.set('resource', credential.resource);
    const client: ClientAuthentication =
      credential.clientAuth === 'private_key_jwt'
        ? { method: 'private_key_jwt', clientId: credential.clientId, key: parseAssertionKey(credential.privateKey), keyId: credential.keyId, audience: credential.tokenUrl }
        : { method: credential.clientAuth, clientId: credential.clientId, clientSecret: credential.clientSecret };
    return requestToken(this.egress, this.timeoutMs, this.now, { tokenUrl: credential.tokenUrl, form, client });
  }
}
