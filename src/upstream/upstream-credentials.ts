import { UpstreamExchangeError } from './upstream-errors';

/**
 * What the vault adds to one request to an upstream: headers, and query parameters (added to the
 * request's URL only, never to the server's recorded URL). `refused` is asked when the upstream
 * answers 401, with that answer's `WWW-Authenticate` (MCP authorization reads it): it returns the
 * credential to retry with once (OAuth: a fresh token), or undefined.
 */
export interface InjectedCredential {
  headers: Record<string, string>;
  query: Record<string, string>;
  /** Environment variables for a stdio upstream's process (scheme `env`); set when its child starts. */
  env?: Record<string, string>;
  refused?: (challenge?: string) => Promise<InjectedCredential | undefined>;
}

/** The hook the pool binds per server: resolved for every request, so a rotation applies to the next one. */
export type UpstreamCredentials = () => Promise<InjectedCredential | undefined>;

/** The request's URL and headers with the credential in them (headers of the credential win). */
export function withCredential(url: URL, headers: Record<string, string>, credential: InjectedCredential | undefined): { url: URL; headers: Record<string, string> } {
  if (!credential) return { url, headers };
  let target = url;
  const query = Object.entries(credential.query);
  if (query.length > 0) {
    target = new URL(url);
    for (const [name, value] of query) target.searchParams.set(name, value);
  }
  return { url: target, headers: { ...headers, ...credential.headers } };
}

/**
 * The SDK transports' fetch (handshake, the deprecated SSE transport): every request carries the
 * current credential; a 401 is retried once with the one `refused` gives. `explain(error)` turns
 * whatever error the SDK then raised into the real cause: the vault's own error (a credential it
 * could not open: the request was never sent), or UPSTREAM.UNAUTHORIZED after a final 401.
 */
type Fetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** `baseFetch`: the egress guard's fetch (upstream-egress.ts), so credentials never bypass it. */
export function credentialedFetch(credentials: UpstreamCredentials | undefined, baseFetch: Fetch): { fetch: Fetch; explain(error: unknown): unknown } {
  let refused = false;
  /** The last answer's 403 challenge (insufficient_scope is said as such). */
  let forbidden: string | undefined;
  let vaultFailure: { error: unknown } | undefined;
  const fetch = async (input: string | URL, init: RequestInit = {}): Promise<Response> => {
    vaultFailure = undefined;
    if (!credentials) {
      const response = await baseFetch(input, init);
      refused = response.status === 401;
      return response;
    }
    const send = (credential: InjectedCredential | undefined) => {
      const headers = Object.fromEntries(new Headers(init.headers ?? {}).entries());
      const applied = withCredential(new URL(String(input)), headers, credential);
      return baseFetch(applied.url, { ...init, headers: applied.headers });
    };
    const resolve = async (get: () => Promise<InjectedCredential | undefined>) => {
      try {
        return await get();
      } catch (error) {
        vaultFailure = { error };
        throw error;
      }
    };
    const credential = await resolve(credentials);
    let response = await send(credential);
    if (response.status === 401 && credential?.refused) {
      const challenge = response.headers.get('www-authenticate') ?? undefined;
      const next = await resolve(() => credential.refused!(challenge));
      if (next) {
        await response.body?.cancel().catch(() => undefined);
        response = await send(next);
      }
    }
    refused = response.status === 401;
    forbidden = response.status === 403 ? (response.headers.get('www-authenticate') ?? undefined) : undefined;
    return response;
  };
  return {
    fetch,
    explain: (error) =>
      vaultFailure?.error ??
      (refused
        ? new UpstreamExchangeError('unauthorized', 'the upstream refused the credential', 401)
        : forbidden !== undefined
          ? new UpstreamExchangeError('unavailable', 'the upstream refused the request', 403, forbidden)
          : error),
  };
}
