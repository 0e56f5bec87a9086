import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { InjectedCredential } from '../../upstream/upstream-credentials';
import type { Credential } from '../credential-schemes';
import { observedTokenRequest, type TokenRequestObserver } from '../oauth-tokens';
import { TokenCache } from '../token-cache';
import { parseAssertionKey } from '../client-assertion';
import { requestToken, type ClientAuthentication, type IssuedToken, type TokenEgress } from '../token-endpoint';
import { authError } from './auth-metadata';
import { parseBearerChallenge } from '../../common/bearer-challenge';
import { McpAuthDiscovery, type ResourceAuthorization } from './mcp-auth-discovery';
import { canonicalResource } from './resource-identifier';

type McpOAuth = Extract<Credential, { scheme: 'mcp_oauth' }>;

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ISSUED_TYPES = new Set(['urn:ietf:params:oauth:token-type:access_token', 'urn:ietf:params:oauth:token-type:jwt']);

/**
 * warden as an OAuth client of a protected MCP upstream's authorization server (scheme
 * mcp_oauth). Discovery (mcp-auth-discovery.ts) says which server and token endpoint; the token
 * is asked for with `resource` = the upstream's canonical URI (RFC 8707) by client credentials
 * or, when configured, RFC 8693 token exchange. A token is cached under (credential version,
 * issuer, resource), so it is only ever sent to the resource it was issued for; an answer whose
 * `iss`, or a JWT access token whose `iss` / `aud`, names another issuer or resource is refused
 * and never sent. A 401 is retried once: with the challenge's metadata and scope, and a fresh token.
 */
export class McpOAuthClient {
  private readonly cache: TokenCache;
  private readonly discovery: McpAuthDiscovery;
  /** The scope the last challenge named, per token key: later refreshes ask for it again. */
  private readonly challengedScope = new Map<string, string>();

  constructor(
    private readonly egress: TokenEgress,
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
    private readonly observe?: TokenRequestObserver,
  ) {
    this.cache = new TokenCache(now);
    this.discovery = new McpAuthDiscovery(egress, timeoutMs, now);
  }

  /** What a request to the upstream at `upstreamUrl` carries, for credential version `key`. */
  async inject(key: string, credential: McpOAuth, upstreamUrl: string | undefined): Promise<InjectedCredential> {
    const resource = canonicalResource(upstreamUrl);
    const found = await this.discovery.discover(resource, credential.authorizationServers);
    // No metadata at the well-known places: the first request goes without a token, and its 401 says where to look.
    if (!found) return { headers: {}, query: {}, refused: (challenge) => this.afterRefusal(key, credential, resource, challenge, undefined) };
    const tokenKey = cacheKey(key, found);
    const token = await this.cache.token(tokenKey, () => this.observedIssue(tokenKey, credential, found, this.challengedScope.get(tokenKey)));
    return { headers: bearer(token), query: {}, refused: (challenge) => this.afterRefusal(key, credential, resource, challenge, token) };
  }

  forget(serverId: string): void {
    this.cache.forget(serverId);
    for (const key of this.challengedScope.keys()) if (key.startsWith(`${serverId}@`)) this.challengedScope.delete(key);
  }

  /** The one retry after a 401: metadata and scope from the challenge, a fresh token. No further retry. */
  private async afterRefusal(key: string, credential: McpOAuth, resource: string, header: string | undefined, refused: string | undefined): Promise<InjectedCredential> {
    const challenge = parseBearerChallenge(header);
    const found = await this.discovery.discover(resource, credential.authorizationServers, challenge?.resourceMetadata);
    if (!found) throw authError('UPSTREAM.AUTH_DISCOVERY_FAILED', 'the upstream asked for a token but publishes no protected-resource metadata (RFC 9728)');
    const tokenKey = cacheKey(key, found);
    if (challenge?.scope) this.challengedScope.set(tokenKey, challenge.scope);
    const fetch = () => this.observedIssue(tokenKey, credential, found, this.challengedScope.get(tokenKey));
    const token = refused === undefined ? await this.cache.token(tokenKey, fetch) : await this.cache.renew(tokenKey, refused, fetch);
    return { headers: bearer(token), query: {} };
  }

  private observedIssue(tokenKey: string, credential: McpOAuth, found: ResourceAuthorization, challengeScope: string | undefined): Promise<IssuedToken> {
    return observedTokenRequest(this.observe, tokenKey, credential.tokenExchange ? 'token_exchange' : 'client_credentials', () => this.issue(credential, found, challengeScope));
  }

  private async issue(credential: McpOAuth, found: ResourceAuthorization, challengeScope: string | undefined): Promise<IssuedToken> {
    const { server, resource } = found;
    const exchange = credential.tokenExchange;
    const grant = exchange ? TOKEN_EXCHANGE : 'client_credentials';
    if (server.grantTypes && !server.grantTypes.includes(grant)) {
      throw authError('UPSTREAM.AUTH_DISCOVERY_FAILED', `the authorization server does not offer the ${exchange ? 'token exchange' : 'client credentials'} grant`);
    }
    const form = new URLSearchParams({ grant_type: grant, resource });
    // Scope selection (MCP authorization): the operator's, else the challenge's, else the metadata's scopes_supported.
    const scope = credential.scope ?? challengeScope ?? found.scopesSupported?.join(' ');
    if (scope) form.set('scope', scope);
    if (exchange) {
      form.set('subject_token', exchange.subjectToken);
      form.set('subject_token_type', exchange.subjectTokenType);
      form.set('requested_token_type', exchange.requestedTokenType);
      if (exchange.audience) form.set('audience', exchange.audience);
    }
    const issued = await requestToken(this.egress, this.timeoutMs, this.now, { tokenUrl: server.tokenEndpoint, form, client: clientAuthenticationFor(credential, server) });
    if (issued.issuer !== undefined && issued.issuer !== server.issuer) {
      throw authError('UPSTREAM.AUTH_ISSUER_MISMATCH', 'the token response names another issuer than the authorization server asked: the token is not used');
    }
    if (exchange && issued.issuedTokenType !== undefined && !ISSUED_TYPES.has(issued.issuedTokenType)) {
      throw authError('UPSTREAM.BAD_RESPONSE', 'the token exchange issued a token that is not an access token');
    }
    checkJwtBinding(issued.accessToken, server.issuer, resource, exchange?.audience);
    return issued;
  }
}

/** An access token that is a JWT is checked for what it says of itself: issued by this server, for this resource. */
function checkJwtBinding(token: string, issuer: string, resource: string, audience: string | undefined): void {
  if (token.split('.').length !== 3) return; // opaque: only the authorization server and the resource can tell
  let claims: { iss?: unknown; aud?: unknown };
  try {
    decodeProtectedHeader(token);
    claims = decodeJwt(token);
  } catch {
    return; // not a JWT after all: opaque
  }
  if (claims.iss !== undefined && claims.iss !== issuer) {
    throw authError('UPSTREAM.AUTH_ISSUER_MISMATCH', 'the access token was issued by another issuer than the authorization server asked: it is not sent');
  }
  if (claims.aud !== undefined) {
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.includes(resource) && !(audience !== undefined && audiences.includes(audience))) {
      throw authError('UPSTREAM.AUTH_AUDIENCE_MISMATCH', 'the access token is for another resource than this upstream: it is not sent');
    }
  }
}

/**
 * private_key_jwt when the credential holds a key (the server's metadata must list it, and the
 * key's algorithm if it lists those); with a secret, the operator's choice, else
 * client_secret_basic when the server supports it (or says nothing: RFC 8414's default), else
 * client_secret_post.
 */
function clientAuthenticationFor(credential: McpOAuth, server: ResourceAuthorization['server']): ClientAuthentication {
  const methods = server.authMethods;
  if (credential.clientAuth === 'private_key_jwt') {
    if (!methods?.includes('private_key_jwt')) throw authError('UPSTREAM.AUTH_DISCOVERY_FAILED', 'the authorization server does not list private_key_jwt among its token endpoint auth methods');
    const key = parseAssertionKey(credential.privateKey);
    if (server.authSigningAlgs && !server.authSigningAlgs.includes(key.alg)) {
      throw authError('UPSTREAM.AUTH_DISCOVERY_FAILED', `the authorization server does not accept client assertions signed with ${key.alg}`);
    }
    const audience = credential.assertionAudience === 'issuer' ? server.issuer : server.tokenEndpoint;
    return { method: 'private_key_jwt', clientId: credential.clientId, key, keyId: credential.keyId, audience };
  }
  const supported = (method: 'basic' | 'post') => (methods === undefined ? method === 'basic' : methods.includes(`client_secret_${method}`));
  const secret = (method: 'basic' | 'post'): ClientAuthentication => ({ method, clientId: credential.clientId, clientSecret: credential.clientSecret });
  if (credential.clientAuth !== undefined) {
    if (methods !== undefined && !supported(credential.clientAuth)) throw authError('UPSTREAM.AUTH_DISCOVERY_FAILED', `the authorization server does not accept client_secret_${credential.clientAuth}`);
    return secret(credential.clientAuth);
  }
  if (supported('basic')) return secret('basic');
  if (supported('post')) return secret('post');
  throw authError('UPSTREAM.AUTH_DISCOVERY_FAILED', 'the authorization server accepts neither client_secret_basic nor client_secret_post');
}

const cacheKey = (key: string, found: ResourceAuthorization) => `${key}\0${found.server.issuer}\0${found.resource}`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
