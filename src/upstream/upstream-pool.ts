import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { WARDEN_CONFIG, type WardenConfig } from '../config/warden-config';
import { openUpstreamSession } from './open-upstream-session';
import type { UpstreamRequestOptions, UpstreamSession } from './upstream-session';
import { toUpstreamError } from './upstream-errors';

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

  constructor(@Inject(WARDEN_CONFIG) private readonly config: WardenConfig) {}

  async request(target: UpstreamTarget, method: string, params: Record<string, unknown> | undefined, options: UpstreamRequestOptions = {}): Promise<Record<string, unknown>> {
    let session: UpstreamSession;
    try {
      session = await this.session(target);
    } catch (error) {
      throw toUpstreamError(error);
    }
    try {
      return await session.request(method, params, { ...options, timeoutMs: this.config.upstreamTimeoutMs });
    } catch (error) {
      const mapped = toUpstreamError(error);
      if (mapped.code !== 'UPSTREAM.ERROR' && mapped.code !== 'CALL.CANCELLED') {
        this.logger.warn(`upstream ${target.serverId}: ${mapped.code} (${error instanceof Error ? error.name : 'error'}); session dropped`);
        this.evict(target.serverId, session);
      }
      throw mapped;
    }
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
    try {
      return await session.request(method, params, { timeoutMs: this.config.upstreamTimeoutMs });
    } catch (error) {
      throw toUpstreamError(error);
    }
  }

  private async openPooled(target: UpstreamTarget): Promise<UpstreamSession> {
    const toolsChanged = () => {
      for (const listener of this.toolsChangedListeners) listener(target.serverId);
    };
    try {
      return await openUpstreamSession(new URL(target.url), { timeoutMs: this.config.upstreamTimeoutMs, onToolsChanged: toolsChanged });
    } catch (error) {
      throw toUpstreamError(error);
    }
  }

  /** A fresh, unpooled session (registration and discovery). */
  async open(url: URL): Promise<UpstreamSession> {
    try {
      return await openUpstreamSession(url, { timeoutMs: this.config.upstreamTimeoutMs });
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
