import type { TokenEgress } from '../token-endpoint';
import { authError, fetchMetadata, stringArray, type MetadataFetch } from './auth-metadata';
import { wellKnownUrls } from './resource-identifier';
import { isHttpUrl } from '../../common/bearer-challenge';

/** An authorization server as its RFC 8414 metadata describes it (issuer checked). */
export interface AuthorizationServer {
  issuer: string;
  tokenEndpoint: string;
  /** token_endpoint_auth_methods_supported (absent: RFC 8414 says client_secret_basic). */
  authMethods?: string[];
  /** token_endpoint_auth_signing_alg_values_supported: the JWS algorithms of client assertions it accepts. */
  authSigningAlgs?: string[];
  grantTypes?: string[];
}

/** How warden gets a token for one protected MCP server: what discovery found and checked. */
export interface ResourceAuthorization {
  /** The server's canonical URI, equal to its metadata's `resource`. */
  resource: string;
  /** Where the protected-resource metadata came from. */
  metadataUrl: string;
  scopesSupported?: string[];
  server: AuthorizationServer;
}

/** How long fetched metadata documents are reused. */
export const METADATA_TTL_MS = 300_000;

interface Cached {
  expiresAt: number;
  document: Promise<MetadataFetch>;
}

/**
 * MCP authorization discovery toward a protected upstream (spec 2025-11-25 "Authorization Server
 * Discovery"): the RFC 9728 protected-resource metadata, from the URL a `WWW-Authenticate`
 * challenge named or the well-known URIs (path-inserted, then root); its `resource` must be the
 * upstream's canonical URI; the authorization server is the first it lists that the operator
 * allowed; the server's RFC 8414 metadata (OAuth, then OpenID Connect locations) must name
 * exactly that issuer (mix-up defence, RFC 8414 §3.3). Every fetch passes the egress guard;
 * documents are cached for METADATA_TTL_MS. Anything that does not check out fails closed.
 */
export class McpAuthDiscovery {
  private readonly documents = new Map<string, Cached>();
  /** A metadata URL a challenge named for a resource (reused by later requests). */
  private readonly named = new Map<string, string>();

  constructor(
    private readonly egress: TokenEgress,
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * What to ask for a token for `resource`, with `allowed` authorization servers. `metadataUrl`:
   * the one a challenge named. Undefined when no metadata URL is known and the well-known ones
   * have none (the upstream's 401 challenge will say where it is).
   */
  async discover(resource: string, allowed: readonly string[], metadataUrl?: string): Promise<ResourceAuthorization | undefined> {
    const remembered = metadataUrl ?? this.named.get(resource);
    const candidates = remembered !== undefined ? [remembered] : wellKnownUrls(resource, 'oauth-protected-resource', true);
    for (const url of candidates) {
      const fetched = await this.document(url, 'protected-resource metadata');
      if ('absent' in fetched) continue;
      const found = await this.checked(resource, allowed, url, fetched.found);
      if (metadataUrl !== undefined) this.named.set(resource, metadataUrl);
      return found;
    }
    if (metadataUrl !== undefined) throw authError('UPSTREAM.AUTH_DISCOVERY_FAILED', 'the protected-resource metadata the upstream named is not there');
    if (remembered !== undefined) {
      // Named by an earlier challenge and gone since: look again from scratch (the next 401 may name its new place).
      this.named.delete(resource);
      return this.discover(resource, allowed);
    }
    return undefined;
  }

  private async checked(resource: string, allowed: readonly string[], metadataUrl: string, metadata: Record<string, unknown>): Promise<ResourceAuthorization> {
    if (metadata.resource !== resource) {
      throw authError('UPSTREAM.AUTH_RESOURCE_MISMATCH', "the upstream's protected-resource metadata is for another resource than the upstream's URL: refused");
    }
    const servers = stringArray(metadata.authorization_servers);
    if (!servers || servers.length === 0) throw authError('UPSTREAM.AUTH_DISCOVERY_FAILED', "the upstream's protected-resource metadata names no authorization server");
    const issuer = servers.find((s) => allowed.includes(s));
    if (issuer === undefined) {
      throw authError('UPSTREAM.AUTH_SERVER_NOT_ALLOWED', "none of the upstream's authorization servers is one this credential allows (authorizationServers)", { offered: servers.length });
    }
    const scopes = stringArray(metadata.scopes_supported);
    return { resource, metadataUrl, ...(scopes ? { scopesSupported: scopes } : {}), server: await this.authorizationServer(issuer) };
  }

  private async authorizationServer(issuer: string): Promise<AuthorizationServer> {
    const url = new URL(issuer);
    const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
    const candidates = [
      ...wellKnownUrls(issuer, 'oauth-authorization-server', false),
      ...wellKnownUrls(issuer, 'openid-configuration', false),
      ...(path === '' ? [] : [`${url.origin}${path}/.well-known/openid-configuration`]),
    ];
    for (const candidate of candidates) {
      const fetched = await this.document(candidate, 'authorization server metadata');
      if ('absent' in fetched) continue;
      const metadata = fetched.found;
      if (metadata.issuer !== issuer) {
        throw authError('UPSTREAM.AUTH_ISSUER_MISMATCH', 'the authorization server metadata names another issuer than the server it was fetched for: refused (mix-up defence)');
      }
      const tokenEndpoint = metadata.token_endpoint;
      if (typeof tokenEndpoint !== 'string' || !isHttpUrl(tokenEndpoint)) throw authError('UPSTREAM.AUTH_DISCOVERY_FAILED', 'the authorization server metadata has no usable token_endpoint');
      const authMethods = stringArray(metadata.token_endpoint_auth_methods_supported);
      const authSigningAlgs = stringArray(metadata.token_endpoint_auth_signing_alg_values_supported);
      const grantTypes = stringArray(metadata.grant_types_supported);
      return { issuer, tokenEndpoint, ...(authMethods ? { authMethods } : {}), ...(authSigningAlgs ? { authSigningAlgs } : {}), ...(grantTypes ? { grantTypes } : {}) };
    }
    throw authError('UPSTREAM.AUTH_DISCOVERY_FAILED', 'the authorization server publishes no metadata (RFC 8414 / OpenID Connect discovery)');
  }

  private document(url: string, what: string): Promise<MetadataFetch> {
    const cached = this.documents.get(url);
    if (cached && cached.expiresAt > this.now()) return cached.document;
    const document = fetchMetadata(this.egress, this.timeoutMs, url, what);
    const entry = { expiresAt: this.now() + METADATA_TTL_MS, document };
    this.documents.set(url, entry);
    document.catch(() => {
      if (this.documents.get(url) === entry) this.documents.delete(url);
    });
    return document;
  }
}

