import type { IssuedToken } from './token-endpoint';

/** A token is refreshed when less than this remains of its life (before the upstream would refuse it). */
export const REFRESH_MARGIN_MS = 30_000;

/**
 * Access tokens by key (`<serverId>@<version>…`): fetched once for concurrent callers, reused
 * until less than REFRESH_MARGIN_MS of their life remains, renewed on demand after a refusal.
 * A failed fetch is not cached.
 */
export class TokenCache {
  private readonly tokens = new Map<string, Promise<IssuedToken>>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A valid token for `key`, from the cache unless it is about to expire. */
  async token(key: string, fetch: () => Promise<IssuedToken>): Promise<string> {
    const cached = this.tokens.get(key);
    if (cached) {
      const token = await cached.catch(() => undefined);
      if (token && token.expiresAt - this.now() > REFRESH_MARGIN_MS) return token.accessToken;
      if (this.tokens.get(key) !== cached) return this.token(key, fetch); // someone refreshed meanwhile
    }
    return (await this.fetchInto(key, fetch)).accessToken;
  }

  /** After the upstream refused `refused`: a fresh token (unless another call got one already). */
  async renew(key: string, refused: string, fetch: () => Promise<IssuedToken>): Promise<string> {
    const cached = await this.tokens.get(key)?.catch(() => undefined);
    if (cached && cached.accessToken !== refused) return cached.accessToken;
    return (await this.fetchInto(key, fetch)).accessToken;
  }

  /** Takes a token issued elsewhere as `key`'s (unless `key` already has one). */
  put(key: string, issued: IssuedToken): void {
    if (!this.tokens.has(key)) this.tokens.set(key, Promise.resolve(issued));
  }

  /** Forgets every token of a server's credential (its keys start with `<serverId>@`). */
  forget(serverId: string): void {
    for (const key of this.tokens.keys()) if (key.startsWith(`${serverId}@`)) this.tokens.delete(key);
  }

  private fetchInto(key: string, fetch: () => Promise<IssuedToken>): Promise<IssuedToken> {
    const pending = fetch();
    this.tokens.set(key, pending);
    pending.catch(() => {
      if (this.tokens.get(key) === pending) this.tokens.delete(key);
    });
    return pending;
  }
}
