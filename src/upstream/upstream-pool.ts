import { Inject, Injectable, Logger, Optional, type OnApplicationShutdown } from '@nestjs/common';
import { EgressError, type EgressDispatcherOptions } from '@warden/egress';
import { loneSurrogatePath } from '../common/lone-surrogates';
import { WardenError } from '../common/warden-error';
import { WARDEN_CONFIG, type WardenConfig } from '../config/warden-config';
import { openUpstreamSession } from './open-upstream-session';
import type { UpstreamCredentials, InjectedCredential } from './upstream-credentials';
import { SessionSlots } from './session-slots';
import { createUpstreamEgress, egressPolicyFrom, egressRefusal, type UpstreamEgress } from './upstream-egress';
import { openStdioSession, type StdioSessionOptions } from './stdio-session';
import type { StdioLaunch } from './stdio-launch';
import type { StdioProcessTelemetry, UpstreamRequestOptions, UpstreamSession } from './upstream-session';
import { toUpstreamError, UpstreamExchangeError } from './upstream-errors';

export interface UpstreamTarget {
  serverId: string;
  url: string;
  /** Set for a stdio upstream: the child warden runs (its url is then only a label). */
  stdio?: StdioLaunch;
}

/** Where a fresh session goes: an http(s) URL, or a stdio command to start. */
export type UpstreamEndpoint = URL | StdioLaunch;

export type UpstreamNotificationListener = (serverId: string, agentId: string | undefined, message: Record<string, unknown>) => void;

/** Sessions of single agents (client capabilities declared) kept per upstream; the least recently used idle one is closed beyond. */
export const MAX_AGENT_SESSIONS_PER_SERVER = 64;

/** The resolver and socket opener under the egress guard: the system's, or a test's fenced network. */
export const UPSTREAM_NETWORK = Symbol('UPSTREAM_NETWORK');
export type UpstreamNetwork = Pick<EgressDispatcherOptions, 'lookup' | 'connector'>;

/** What the last health check found; anything but healthy makes calls fail at once (UPSTREAM.UNHEALTHY). */
export type UpstreamHealth = 'healthy' | 'unreachable' | 'unauthorized' | 'bad_response';

/** A pooled session's telemetry (GET /v1/servers/:id `pool`, /metrics). Never a secret, never an argument. */
export interface PoolTelemetry {
  /** `open`: a session is connected; `opening`: the handshake runs; `none`: opened by the next call. */
  state: 'open' | 'opening' | 'none';
  active: number;
  waiters: number;
  maxConcurrent: number;
  /** active / maxConcurrent. */
  saturation: number;
  /** Milliseconds since a request last finished (0 while one runs). */
  idleMs: number;
  /** Milliseconds since the current session was opened (0 without one). */
  ageMs: number;
  /** Sessions opened again after the first (the previous one failed or the upstream ended it). */
  reconnects: number;
  /** Response streams the upstream closed early and warden resumed (Last-Event-ID). */
  resumptions: number;
  /** A stdio upstream's child process, while a session holds one. */
  process?: StdioProcessTelemetry;
}

interface PoolEntry {
  slots: SessionSlots;
  /** An agent's own session (see agentEntry): that agent, and the client capabilities it declares upstream. */
  agentId?: string;
  clientCapabilities?: Record<string, unknown>;
  session?: Promise<UpstreamSession>;
  opened?: UpstreamSession;
  openedAt?: number;
  opens: number;
  resumptions: number;
  saturated: boolean;
}

/**
 * One pooled, connected session per upstream server (servers belong to one organisation), opened
 * lazily and shared by all agents' calls (identity is warden's, never the agent's), carrying at
 * most WARDEN_POOL_MAX_CONCURRENT requests at once. A session is dropped only when the upstream
 * ended it (404 on the session, or its stream closed): a timeout, a bad answer or a response
 * stream cut short (resumed with Last-Event-ID) is one request's failure, not every agent's.
 * Every connection goes through the egress guard (upstream-egress.ts).
 */
@Injectable()
export class UpstreamPool implements OnApplicationShutdown {
  private readonly entries = new Map<string, PoolEntry>();
  /** Per server: the sessions of single agents that declared client capabilities (key: agent + capabilities). */
  private readonly agentEntries = new Map<string, Map<string, PoolEntry>>();
  private readonly unhealthy = new Map<string, { status: UpstreamHealth; reason: string }>();
  private readonly logger = new Logger('UpstreamPool');
  private readonly toolsChangedListeners = new Set<(serverId: string) => void>();
  private readonly notificationListeners = new Set<UpstreamNotificationListener>();
  readonly egress: UpstreamEgress;
  /** The vault's hook (bound by the vault module): a server's credential, resolved per request. */
  private credentialSource?: (serverId: string, url?: string) => Promise<InjectedCredential | undefined>;

  constructor(
    @Inject(WARDEN_CONFIG) private readonly config: WardenConfig,
    @Optional() @Inject(UPSTREAM_NETWORK) network?: UpstreamNetwork,
  ) {
    this.egress = createUpstreamEgress(egressPolicyFrom(config.egressAllowHttpHosts, config.egressAllowPrivate), network ?? {});
  }

  async request(target: UpstreamTarget, method: string, params: Record<string, unknown> | undefined, options: UpstreamRequestOptions = {}): Promise<Record<string, unknown>> {
    const health = this.unhealthy.get(target.serverId);
    if (health) {
      throw new WardenError('upstream', 'UPSTREAM.UNHEALTHY', `the upstream failed its last health check (${health.status}); calls resume when a check finds it healthy`, {
        status: health.status,
        healthReason: health.reason,
      });
    }
    const entry = await this.entryFor(target, options);
    let release: () => void;
    try {
      release = await entry.slots.acquire(options.signal);
    } catch {
      throw toUpstreamError(new UpstreamExchangeError('cancelled', 'cancelled while waiting for the upstream'));
    }
    return this.send(target, entry, release, method, params, options);
  }

  /**
   * A request on the pooled session whatever the recorded health (the health check of a stdio
   * upstream: its one child is the pooled one, so the check must not start another).
   */
  async probe(target: UpstreamTarget, method: string, params: Record<string, unknown> | undefined): Promise<Record<string, unknown>> {
    const entry = this.entry(target.serverId);
    const release = await entry.slots.acquire();
    return this.send(target, entry, release, method, params, {});
  }

  private async send(
    target: UpstreamTarget,
    entry: PoolEntry,
    release: () => void,
    method: string,
    params: Record<string, unknown> | undefined,
    options: UpstreamRequestOptions,
  ): Promise<Record<string, unknown>> {
    this.watchSaturation(target.serverId, entry);
    try {
      let session: UpstreamSession;
      try {
        session = await this.session(target, entry);
      } catch (error) {
        throw toUpstreamError(error);
      }
      let result: Record<string, unknown>;
      try {
        result = await session.request(method, params, { ...options, timeoutMs: this.config.upstreamTimeoutMs });
      } catch (error) {
        const mapped = toUpstreamError(error);
        if (error instanceof UpstreamExchangeError && error.failure === 'session_lost') {
          this.logger.warn(`upstream ${target.serverId}: the upstream ended the session; it is reopened by the next call`);
          this.evict(entry, session);
        }
        throw mapped;
      }
      return this.wellFormed(`upstream ${target.serverId}`, method, result);
    } finally {
      release();
      this.watchSaturation(target.serverId, entry);
    }
  }

  /**
   * Which session a request takes. The shared pooled one, unless the agent has client
   * capabilities to declare (sampling, elicitation, roots) and the upstream fixes them per session
   * (a 2025 Streamable HTTP upstream): then a session of that agent's own, declaring exactly them,
   * so that an upstream never learns a capability from one agent and asks another, and whatever
   * it asks outside a request's stream (its standalone GET stream) can only be for that agent.
   * (2026-07-28 upstreams get the capabilities in each request's envelope; stdio and HTTP+SSE
   * sessions declare none.)
   */
  private async entryFor(target: UpstreamTarget, options: UpstreamRequestOptions): Promise<PoolEntry> {
    const shared = this.entry(target.serverId);
    const declared = options.clientCapabilities ?? {};
    if (options.agentId === undefined || target.stdio || Object.keys(declared).length === 0) return shared;
    let session: UpstreamSession;
    try {
      session = await this.session(target, shared);
    } catch (error) {
      throw toUpstreamError(error);
    }
    return session.sessionScopedCapabilities ? this.agentEntry(target.serverId, options.agentId, declared) : shared;
  }

  private agentEntry(serverId: string, agentId: string, declared: Record<string, unknown>): PoolEntry {
    let own = this.agentEntries.get(serverId);
    if (!own) {
      own = new Map();
      this.agentEntries.set(serverId, own);
    }
    const key = JSON.stringify([agentId, Object.entries(declared).sort(([a], [b]) => a.localeCompare(b))]);
    let entry = own.get(key);
    if (entry) {
      // Most recently used last: eviction takes the first idle one.
      own.delete(key);
      own.set(key, entry);
      return entry;
    }
    if (own.size >= MAX_AGENT_SESSIONS_PER_SERVER) {
      const idle = [...own].find(([, e]) => e.slots.active === 0 && e.slots.waiting === 0);
      if (!idle) {
        throw new WardenError('upstream', 'UPSTREAM.SATURATED', `every one of the ${MAX_AGENT_SESSIONS_PER_SERVER} agent sessions of this upstream is busy`);
      }
      own.delete(idle[0]);
      void idle[1].session?.then((s) => s.close()).catch(() => undefined);
    }
    entry = { slots: new SessionSlots(this.config.poolMaxConcurrent), agentId, clientCapabilities: declared, opens: 0, resumptions: 0, saturated: false };
    own.set(key, entry);
    return entry;
  }

  /** Whether a request with these options would go on a session of the agent's own (see entryFor). */
  async ownsSession(target: UpstreamTarget, options: UpstreamRequestOptions): Promise<boolean> {
    return (await this.entryFor(target, options)) !== this.entry(target.serverId);
  }

  /** Whether the upstream's resource / prompt list changes reach warden (a 2025 session stream, a pooled stdio child, or a 2026-07-28 upstream listen). */
  async relaysListChanges(target: UpstreamTarget): Promise<boolean> {
    try {
      return (await this.session(target, this.entry(target.serverId))).relaysListChanges === true;
    } catch (error) {
      throw toUpstreamError(error);
    }
  }

  /** Whether `notifications/resources/updated` reach warden: a 2025 session's stream, a stdio child's stdout, or a 2026-07-28 upstream's listen (watchResources). */
  async relaysResourceUpdates(target: UpstreamTarget): Promise<boolean> {
    try {
      const session = await this.session(target, this.entry(target.serverId));
      return session.sessionScopedCapabilities === true || session.relaysResourceUpdates === true || session.watchResources !== undefined;
    } catch (error) {
      throw toUpstreamError(error);
    }
  }

  /**
   * The resources of a 2026-07-28 upstream whose updates warden wants (its pooled session's listen).
   * False when the upstream takes subscriptions itself (2025: resources/subscribe) or offers none.
   */
  async watchResources(target: UpstreamTarget, uris: readonly string[]): Promise<boolean> {
    if (target.stdio) return false;
    const session = await this.session(target, this.entry(target.serverId)).catch((error: unknown) => {
      throw toUpstreamError(error);
    });
    if (!session.watchResources) return false;
    session.watchResources(uris);
    return true;
  }

  /** What the upstream offers, from its pooled session (opened if need be). */
  async capabilities(target: UpstreamTarget): Promise<Readonly<Record<string, unknown>>> {
    try {
      return (await this.session(target, this.entry(target.serverId))).capabilities;
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
   * Refuses, as 400 with the EGRESS.* reason, an upstream URL the egress policy does not let warden
   * reach (registration): checked on the URL, and for a name on what it resolves to. Connects nowhere.
   */
  async vet(url: URL): Promise<void> {
    try {
      await this.egress.vet(url);
    } catch (error) {
      if (error instanceof EgressError) throw egressRefusal(error);
      throw toUpstreamError(error);
    }
  }

  /** The health check's verdict: anything but healthy fails calls at once until a check finds it healthy. */
  setHealth(serverId: string, status: UpstreamHealth, reason: string): void {
    if (status === 'healthy') this.unhealthy.delete(serverId);
    else this.unhealthy.set(serverId, { status, reason });
  }

  telemetry(serverId: string, now = Date.now()): PoolTelemetry {
    const entry = this.entries.get(serverId);
    if (!entry) return { state: 'none', active: 0, waiters: 0, maxConcurrent: this.config.poolMaxConcurrent, saturation: 0, idleMs: 0, ageMs: 0, reconnects: 0, resumptions: 0 };
    const { slots } = entry;
    return {
      state: entry.opened ? 'open' : entry.session ? 'opening' : 'none',
      active: slots.active,
      waiters: slots.waiting,
      maxConcurrent: slots.max,
      saturation: slots.active / slots.max,
      idleMs: slots.idleMs(now),
      ageMs: entry.opened && entry.openedAt !== undefined ? now - entry.openedAt : 0,
      reconnects: Math.max(0, entry.opens - 1),
      resumptions: entry.resumptions,
      ...(entry.opened?.process ? { process: entry.opened.process() } : {}),
    };
  }

  /** Every server that has a pool entry, with its telemetry (the /metrics scrape). */
  allTelemetry(now = Date.now()): Array<[string, PoolTelemetry]> {
    return [...this.entries.keys()].map((serverId) => [serverId, this.telemetry(serverId, now)]);
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

  private async openPooled(target: UpstreamTarget, entry: PoolEntry): Promise<UpstreamSession> {
    const toolsChanged = () => {
      for (const listener of this.toolsChangedListeners) listener(target.serverId);
    };
    const notification = (message: Record<string, unknown>) => {
      for (const listener of this.notificationListeners) listener(target.serverId, entry.agentId, message);
    };
    let session: UpstreamSession;
    if (target.stdio) {
      entry.opens++;
      session = await this.openStdio(target.stdio, this.credentialsFor(target.serverId), target.serverId, { onToolsChanged: toolsChanged, onNotification: notification });
      entry.opened = session;
      entry.openedAt = Date.now();
      return session;
    }
    const url = new URL(target.url);
    await this.guard(url);
    entry.opens++;
    session = await openUpstreamSession(url, {
      timeoutMs: this.config.upstreamTimeoutMs,
      egress: this.egress,
      onToolsChanged: toolsChanged,
      onResumed: () => entry.resumptions++,
      credentials: this.credentialsFor(target.serverId, target.url),
      onNotification: notification,
      ...(entry.clientCapabilities ? { clientCapabilities: entry.clientCapabilities } : {}),
    });
    entry.opened = session;
    entry.openedAt = Date.now();
    return session;
  }

  /**
   * Where the vault plugs in: `source(serverId)` gives the credential to add to each request to
   * that server at `url` (undefined: none; the URL is the resource an MCP OAuth token is bound to).
   * Resolved per request, so a rotation applies to the next one.
   */
  useCredentials(source: (serverId: string, url?: string) => Promise<InjectedCredential | undefined>): void {
    this.credentialSource = source;
  }

  /** The credential hook of a registered server (for discovery on a session of its own). */
  credentialsFor(serverId: string, url?: string): UpstreamCredentials {
    return async () => this.credentialSource?.(serverId, url);
  }

  /** A fresh, unpooled session (registration, discovery, health checks), with the server's credential if it has one. */
  async open(endpoint: UpstreamEndpoint, credentials?: UpstreamCredentials): Promise<UpstreamSession> {
    try {
      if (!(endpoint instanceof URL)) return await this.openStdio(endpoint, credentials, 'discovery');
      await this.guard(endpoint);
      return await openUpstreamSession(endpoint, { timeoutMs: this.config.upstreamTimeoutMs, egress: this.egress, credentials });
    } catch (error) {
      throw toUpstreamError(error);
    }
  }

  /**
   * A stdio child (no egress guard: it is no network connection; it runs with warden's own
   * privileges). Pooled (given the listeners): restarted with back-off after a crash, and what it
   * sends outside any request relayed like a remote session's. Its stderr goes to the log, its
   * injected secrets redacted.
   */
  private openStdio(
    launch: StdioLaunch,
    credentials: UpstreamCredentials | undefined,
    label: string,
    pooled?: Pick<StdioSessionOptions, 'onToolsChanged' | 'onNotification'>,
  ): Promise<UpstreamSession> {
    const config = this.config;
    return openStdioSession(launch, {
      timeoutMs: config.upstreamTimeoutMs,
      credentials,
      ...pooled,
      stopGraceMs: config.stdioStopGraceMs,
      ...(pooled ? { restart: { baseMs: config.stdioRestartBaseMs, maxMs: config.stdioRestartMaxMs, maxRestarts: config.stdioMaxRestarts } } : {}),
      onStderr: (line) => this.logger.log(`stdio upstream ${label} stderr: ${line}`),
      onLifecycle: (level, message) => this.logger[level](`stdio upstream ${label}: ${message}`),
    });
  }

  /** Before any connection: the egress policy, on the URL and on what its name resolves to now. */
  private async guard(url: URL): Promise<void> {
    try {
      await this.egress.vet(url);
    } catch (error) {
      if (!(error instanceof EgressError)) throw error;
      throw new WardenError('upstream', 'UPSTREAM.EGRESS_REFUSED', 'warden may not connect to this upstream (egress policy)', { reason: error.code });
    }
  }

  /** Told when a pooled upstream session reports that the upstream's tool list changed. */
  onToolsChanged(listener: (serverId: string) => void): () => void {
    this.toolsChangedListeners.add(listener);
    return () => this.toolsChangedListeners.delete(listener);
  }

  /**
   * Told of what a pooled upstream session sends outside any request (log messages, resource
   * updates, list changes), with the agent whose own session it is (undefined: the shared one).
   */
  onUpstreamNotification(listener: UpstreamNotificationListener): () => void {
    this.notificationListeners.add(listener);
    return () => this.notificationListeners.delete(listener);
  }

  private entry(serverId: string): PoolEntry {
    let entry = this.entries.get(serverId);
    if (!entry) {
      entry = { slots: new SessionSlots(this.config.poolMaxConcurrent), opens: 0, resumptions: 0, saturated: false };
      this.entries.set(serverId, entry);
    }
    return entry;
  }

  /**
   * Ends the pooled session of a server (disabled, removed, moved): the upstream is told (a 2025
   * session gets its DELETE) and the next request, if any is still allowed, opens a new one. Its
   * recorded health is forgotten with it (a moved server is checked afresh).
   */
  async closeServer(serverId: string): Promise<void> {
    this.unhealthy.delete(serverId);
    const own = [...(this.agentEntries.get(serverId)?.values() ?? [])];
    this.agentEntries.delete(serverId);
    await Promise.allSettled(own.map(async (e) => (await e.session)?.close()));
    const entry = this.entries.get(serverId);
    const pending = entry?.session;
    if (!entry || !pending) return;
    entry.session = undefined;
    entry.opened = undefined;
    entry.openedAt = undefined;
    try {
      await (await pending).close();
    } catch {
      // a session that never opened, or whose upstream is gone, has nothing left to close
    }
  }

  private session(target: UpstreamTarget, entry: PoolEntry): Promise<UpstreamSession> {
    if (!entry.session) {
      const session = this.openPooled(target, entry);
      entry.session = session;
      session.catch(() => {
        if (entry.session === session) entry.session = undefined;
      });
    }
    return entry.session;
  }

  private evict(entry: PoolEntry, session: UpstreamSession): void {
    if (entry.opened === session) {
      entry.session = undefined;
      entry.opened = undefined;
      entry.openedAt = undefined;
    }
    void session.close().catch(() => undefined);
  }

  /** Logs once when a session crosses the saturation alert threshold, and once when it is back under it. */
  private watchSaturation(serverId: string, entry: PoolEntry): void {
    const saturated = entry.slots.active / entry.slots.max >= this.config.poolSaturationAlert;
    if (saturated === entry.saturated) return;
    entry.saturated = saturated;
    if (saturated) {
      this.logger.warn(`upstream ${serverId}: pooled session saturated (${entry.slots.active}/${entry.slots.max} requests, ${entry.slots.waiting} waiting; alert at ${this.config.poolSaturationAlert})`);
    } else {
      this.logger.log(`upstream ${serverId}: pooled session below the saturation alert again`);
    }
  }

  /** Is this server's pooled session at or above the alert threshold now? (gauge) */
  saturated(serverId: string): boolean {
    return this.entries.get(serverId)?.saturated ?? false;
  }

  async onApplicationShutdown(): Promise<void> {
    const own = [...this.agentEntries.values()].flatMap((m) => [...m.values()]);
    const sessions = [...this.entries.values(), ...own].map((e) => e.session).filter((s): s is Promise<UpstreamSession> => s !== undefined);
    this.entries.clear();
    this.agentEntries.clear();
    await Promise.allSettled(sessions.map(async (s) => (await s).close()));
    await this.egress.close().catch(() => undefined);
  }
}
