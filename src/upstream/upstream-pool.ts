import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { loneSurrogatePath } from '../common/lone-surrogates';
import { WardenError } from '../common/warden-error';
import { WARDEN_CONFIG, type WardenConfig } from '../config/warden-config';
import { openUpstreamSession } from './open-upstream-session';
import type { UpstreamCredentials, InjectedCredential } from './upstream-credentials';
import type { UpstreamRequestOptions, UpstreamSession } from './upstream-session';
import { toUpstreamError } from './upstream-errors';

/** Failures that say nothing against the pooled session itself. */
const KEEPS_SESSION = new Set(['UPSTREAM.ERROR', 'CALL.CANCELLED', 'UPSTREAM.UNAUTHORIZED']);

export interface UpstreamTarget {
  serverId: string;
  url: string;
}

/**
 * One pooled, connected session per upstream server, opened lazily and shared by all agents'
 * calls (identity is warden's, never the agent's). A session whose transport fails is dropped and
 * reopened by the next call.
 */
@Injectable()
export class UpstreamPool implements OnApplicationShutdown {
  private readonly sessions = new Map<string, Promise<UpstreamSession>>();
  private readonly logger = new Logger('UpstreamPool');
  private readonly toolsChangedListeners = new Set<(serverId: string) => void>();
  /** The vault's hook (bound by the vault module): a server's credential, resolved per request. */
  private credentialSource?: (serverId: string) => Promise<InjectedCredential | undefined>;

  constructor(@Inject(WARDEN_CONFIG) private readonly config: WardenConfig) {}

  async request(target: UpstreamTarget, method: string, params: Record<string, unknown> | undefined, options: UpstreamRequestOptions = {}): Promise<Record<string, unknown>> {
    let session: UpstreamSession;
    try {
      session = await this.session(target);
    } catch (error) {
      throw toUpstreamError(error);
    }
    let result: Record<string, unknown>;
    try {
      result = await session.request(method, params, { ...options, timeoutMs: this.config.upstreamTimeoutMs });
    } catch (error) {
      const mapped = toUpstreamError(error);
      if (!KEEPS_SESSION.has(mapped.code) && !mapped.code.startsWith('VAULT.')) {
        this.logger.warn(`upstream ${target.serverId}: ${mapped.code} (${error instanceof Error ? error.name : 'error'}); session dropped`);
        this.evict(target.serverId, session);
      }
      throw mapped;
    }
    return this.wellFormed(`upstream ${target.serverId}`, method, result);
  }

  /** What the upstream offers, from its pooled session (opened if need be). */
  async capabilities(target: UpstreamTarget): Promise<Readonly<Record<string, unknown>>> {
    try {
      return (await this.session(target)).capabilities;
    } catch (error) {
      throw toUpstreamError(error);
    }
  }

  /** A request on a session the caller owns (discovery); errors classified as for pooled calls. */
  async requestOn(session: UpstreamSession, method: string, params: Record<string, unknown> | undefined): Promise<Record<string, unknown>> {
    let result: Record<string, unknown>;
    try {
      result = await session.request(method, params, { timeoutMs: this.config.upstreamTimeoutMs });
    } catch (error) {
      throw toUpstreamError(error);
    }
    return this.wellFormed('an upstream in discovery', method, result);
  }

  /**
   * A result holding a lone UTF-16 surrogate cannot be recorded (the ledger's canonical JSON is
   * I-JSON) and may not be what the upstream meant: it is refused as UPSTREAM.BAD_RESPONSE, so
   * the call is recorded as failed and the agent gets a clear error. Refused rather than mended
   * with U+FFFD: fail closed — content warden altered would be neither what the upstream said
   * nor safe to act on, and the session itself is fine, so it is kept.
   */
  private wellFormed(upstream: string, method: string, result: Record<string, unknown>): Record<string, unknown> {
    const field = loneSurrogatePath(result, 'result');
    if (field === undefined) return result;
    this.logger.warn(`${upstream}: ${method} answered invalid Unicode (a lone UTF-16 surrogate at ${field}): refused as UPSTREAM.BAD_RESPONSE`);
    throw new WardenError('upstream', 'UPSTREAM.BAD_RESPONSE', 'the upstream answered invalid Unicode in its result', { detail: 'invalid Unicode in result', field });
  }

  private async openPooled(target: UpstreamTarget): Promise<UpstreamSession> {
    const toolsChanged = () => {
      for (const listener of this.toolsChangedListeners) listener(target.serverId);
    };
    try {
      return await openUpstreamSession(new URL(target.url), {
        timeoutMs: this.config.upstreamTimeoutMs,
        onToolsChanged: toolsChanged,
        credentials: this.credentialsFor(target.serverId),
      });
    } catch (error) {
      throw toUpstreamError(error);
    }
  }

  /**
   * Where the vault plugs in: `source(serverId)` gives the credential to add to each request to
   * that server (undefined: none). Resolved per request, so a rotation applies to the next one.
   */
  useCredentials(source: (serverId: string) => Promise<InjectedCredential | undefined>): void {
    this.credentialSource = source;
  }

  /** The credential hook of a registered server (for discovery on a session of its own). */
  credentialsFor(serverId: string): UpstreamCredentials {
    return async () => this.credentialSource?.(serverId);
  }

  /** A fresh, unpooled session (registration and discovery), with the server's credential if it has one. */
  async open(url: URL, credentials?: UpstreamCredentials): Promise<UpstreamSession> {
    try {
      return await openUpstreamSession(url, { timeoutMs: this.config.upstreamTimeoutMs, credentials });
    } catch (error) {
      throw toUpstreamError(error);
    }
  }

  /** Told when a pooled upstream session reports that the upstream's tool list changed. */
  onToolsChanged(listener: (serverId: string) => void): () => void {
    this.toolsChangedListeners.add(listener);
    return () => this.toolsChangedListeners.delete(listener);
  }

  private session(target: UpstreamTarget): Promise<UpstreamSession> {
    let session = this.sessions.get(target.serverId);
    if (!session) {
      session = this.openPooled(target);
      this.sessions.set(target.serverId, session);
      session.catch(() => this.sessions.delete(target.serverId));
    }
    return session;
  }

  private evict(serverId: string, session: UpstreamSession): void {
    void this.sessions.get(serverId)?.then((current) => {
      if (current === session) this.sessions.delete(serverId);
    });
    void session.close().catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.allSettled(sessions.map(async (s) => (await s).close()));
  }
}
