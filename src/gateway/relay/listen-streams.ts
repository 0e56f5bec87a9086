import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { WardenError } from '../../common/warden-error';
import { AgentsReadModel } from '../../agents/agents.read-model';
import { upstreamTargetOf } from '../../registry/server-endpoint';
import { ServersReadModel, type RegisteredServer } from '../../registry/servers.read-model';
import { UpstreamPool } from '../../upstream/upstream-pool';
import type { McpRequestContext } from '../mcp-request-context';
import { McpRelay } from './mcp-relay';

type Result = Record<string, unknown>;

export const META_SUBSCRIPTION_ID = 'io.modelcontextprotocol/subscriptionId';

/** The notification kinds of a 2026-07-28 subscription filter, and the notification each names. */
const LIST_CHANGED = {
  toolsListChanged: 'notifications/tools/list_changed',
  resourcesListChanged: 'notifications/resources/list_changed',
  promptsListChanged: 'notifications/prompts/list_changed',
} as const;
type ListKind = keyof typeof LIST_CHANGED;

interface Listener {
  id: string;
  ctx: McpRequestContext;
  /** Set on `/mcp/<slug>`; the aggregate endpoint's streams carry tool list changes only. */
  server?: RegisteredServer;
  lists: Set<ListKind>;
  uris: Set<string>;
  end: () => void;
}

/**
 * `subscriptions/listen` for 2026-07-28 agents (SEP-2575: the request's response stream carries
 * the notifications the agent opted into, after `notifications/subscriptions/acknowledged`
 * with the subset warden honours; each tagged `_meta.subscriptionId` = the request's id). What
 * warden honours: `toolsListChanged` everywhere (warden's own list changes, from approvals); on
 * `/mcp/<slug>` whose upstream is a 2025 Streamable HTTP server that offers them, resource and
 * prompt list changes and `resourceSubscriptions` (each URI gated like `resources/subscribe` and
 * held upstream like a 2025 session's subscription; refused URIs are left out of the
 * acknowledgement); on `/mcp/<slug>` of a 2026-07-28 upstream, its resource and prompt list changes
 * and resource updates heard on warden's own listen there (upstream-listen.ts).
 * The stream lasts until the agent closes it; at shutdown warden ends it with the empty result.
 */
@Injectable()
export class ListenStreams implements BeforeApplicationShutdown {
  private readonly listeners = new Set<Listener>();
  private nextId = 1;

  constructor(
    private readonly relay: McpRelay,
    private readonly upstreams: UpstreamPool,
    private readonly agents: AgentsReadModel,
    servers: ServersReadModel,
  ) {
    servers.onListedToolsChanged((server) => this.toolsChanged(server));
    upstreams.onUpstreamNotification((serverId, agentId, message) => this.fromUpstream(serverId, agentId, message));
  }

  async listen(ctx: McpRequestContext, params: Result | undefined): Promise<Result> {
    const filter = params?.notifications;
    if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) {
      throw new WardenError('bad_request', 'EDGE.INVALID_PARAMS', 'subscriptions/listen needs params.notifications (the subscription filter)');
    }
    const asked = filter as Record<string, unknown>;
    const requestedUris = asked.resourceSubscriptions;
    if (requestedUris !== undefined && (!Array.isArray(requestedUris) || requestedUris.some((u) => typeof u !== 'string'))) {
      throw new WardenError('bad_request', 'EDGE.INVALID_PARAMS', 'resourceSubscriptions must be a list of resource URIs');
    }
    if (!ctx.notify || !ctx.signal) throw new WardenError('bad_request', 'EDGE.INVALID_REQUEST', 'subscriptions/listen needs a response stream');
    const server = ctx.server && ctx.server.status === 'active' && !ctx.token ? ctx.server : undefined;
    const offered = server ? await this.upstreamOffers(server) : undefined;
    const lists = new Set<ListKind>();
    if (asked.toolsListChanged === true) lists.add('toolsListChanged');
    if (asked.resourcesListChanged === true && offered?.resources?.listChanged === true) lists.add('resourcesListChanged');
    if (asked.promptsListChanged === true && offered?.prompts?.listChanged === true) lists.add('promptsListChanged');
    const listener: Listener = { id: `listen-${this.nextId++}`, ctx: { ...ctx, sessionId: undefined }, server, lists, uris: new Set(), end: () => undefined };
    listener.ctx.sessionId = listener.id;
    // Each URI passes the gate (and is held upstream) as a 2025 session's resources/subscribe would.
    if (server && offered?.resources?.subscribe === true) {
      for (const uri of new Set((requestedUris as string[] | undefined) ?? [])) {
        try {
          await this.relay.subscription(this.quiet(listener), { uri }, true);
          listener.uris.add(uri);
        } catch {
          // refused (recorded by the relay) or failed upstream: not honoured, so not acknowledged
        }
      }
    }
    const ended = new Promise<void>((resolve) => (listener.end = resolve));
    ctx.signal.addEventListener('abort', () => listener.end(), { once: true });
    this.listeners.add(listener);
    const honoured: Result = Object.fromEntries([...lists].map((kind) => [kind, true]));
    if (listener.uris.size > 0) honoured.resourceSubscriptions = [...listener.uris];
    this.send(listener, 'notifications/subscriptions/acknowledged', { notifications: honoured });
    if (ctx.signal.aborted) listener.end();
    await ended;
    this.listeners.delete(listener);
    for (const uri of listener.uris) await this.relay.subscription(this.quiet(listener), { uri }, false).catch(() => undefined);
    return {};
  }

  /** Shutdown: every stream ends with the empty result (a graceful end, for the agent). */
  beforeApplicationShutdown(): void {
    for (const listener of this.listeners) listener.end();
  }

  /** Open streams (for tests and telemetry). */
  open(): number {
    return this.listeners.size;
  }

  /** The listener's context for its relayed subscriptions: no stream, no cancellation (they outlive the request's signal). */
  private quiet(listener: Listener): McpRequestContext {
    return { ...listener.ctx, signal: undefined, notify: undefined, ask: undefined };
  }

  /** What of the upstream's offer reaches warden: list changes and resource updates (2025 session stream or 2026 upstream listen). */
  private async upstreamOffers(server: RegisteredServer): Promise<{ resources?: Result; prompts?: Result } | undefined> {
    try {
      const target = upstreamTargetOf(server);
      if (!(await this.upstreams.relaysListChanges(target))) return undefined;
      const offered = (await this.upstreams.capabilities(target)) as { resources?: Result; prompts?: Result };
      if (await this.upstreams.relaysResourceUpdates(target)) return offered;
      return { prompts: offered.prompts, resources: offered.resources && { ...offered.resources, subscribe: false } };
    } catch {
      return undefined;
    }
  }

  private toolsChanged(server: RegisteredServer): void {
    for (const listener of this.listeners) {
      if (!listener.lists.has('toolsListChanged') || !this.mayUse(listener, server)) continue;
      // The aggregate lists every server the agent may use; `/mcp/<slug>` its own only.
      if (listener.ctx.server && listener.ctx.server.serverId !== server.serverId) continue;
      this.send(listener, LIST_CHANGED.toolsListChanged);
    }
  }

  private fromUpstream(serverId: string, agentId: string | undefined, message: Result): void {
    for (const listener of this.listeners) {
      const server = listener.server;
      if (!server || server.serverId !== serverId || !this.mayUse(listener, server)) continue;
      if (agentId !== undefined && listener.ctx.agent.agentId !== agentId) continue;
      if (message.method === 'notifications/resources/updated') {
        const uri = (message.params as { uri?: unknown } | undefined)?.uri;
        if (typeof uri === 'string' && listener.uris.has(uri)) this.send(listener, message.method, { uri });
        continue;
      }
      const kind = (Object.keys(LIST_CHANGED) as ListKind[]).find((k) => LIST_CHANGED[k] === message.method);
      if (kind && kind !== 'toolsListChanged' && listener.lists.has(kind)) this.send(listener, message.method as string);
    }
  }

  /** The agent is still active and may still use the server. */
  private mayUse(listener: Listener, server: RegisteredServer): boolean {
    const agent = this.agents.get(server.orgId, listener.ctx.agent.agentId);
    return agent !== undefined && agent.status === 'active' && (!agent.servers || agent.servers.includes(server.serverId));
  }

  private send(listener: Listener, method: string, params: Result = {}): void {
    listener.ctx.notify?.({ jsonrpc: '2.0', method, params: { ...params, _meta: { [META_SUBSCRIPTION_ID]: listener.ctx.requestId } } });
  }
}
