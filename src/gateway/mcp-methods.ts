import { Injectable } from '@nestjs/common';
import { WardenError } from '../common/warden-error';
import { ServersReadModel, type RegisteredTool } from '../registry/servers.read-model';
import type { McpRequestContext } from './mcp-request-context';
import { aggregatedName, serversVisibleTo } from './tool-names';
import { McpRelay, type RelayedCapability } from './relay/mcp-relay';
import { ListenStreams } from './relay/listen-streams';
import { AggregateRelay } from './relay/aggregate-relay';
import { ToolCallPipeline } from './tool-call/tool-call.pipeline';
import { STATELESS_REVISION, META_SERVER_INFO } from './edge/protocol-revision';

export const WARDEN_SERVER_INFO = { name: 'warden', version: '0.1.0' };
/** tools/list_changed: on a 2025 session's GET stream, on a 2026-07-28 agent's subscriptions/listen stream. */
const toolsCapability = () => ({ listChanged: true });

type Result = Record<string, unknown>;
type Era = 'session' | 'stateless' | 'both';

interface MethodRow {
  /** Which agent era may call it: `ping` is gone in 2026-07-28, `server/discover` is new there. */
  era: Era;
  /** Cacheable results carry ttlMs + cacheScope for 2026-07-28 agents; 0 = never cache (approvals change). */
  cacheable?: boolean;
  handle(ctx: McpRequestContext, params: Result | undefined): Promise<Result> | Result;
}

/**
 * The MCP methods warden answers, one row each (DESIGN.md §4: shape the pipeline around an MCP
 * request, so that adding a method is a table row). `initialize` is handled at the edge because
 * it opens a session; everything here is stateless per request.
 */
@Injectable()
export class McpMethods {
  private readonly table: Record<string, MethodRow> = {
    ping: { era: 'session', handle: () => ({}) },
    'server/discover': {
      era: 'stateless',
      cacheable: true,
      handle: async (ctx) => ({ supportedVersions: [STATELESS_REVISION], capabilities: await this.capabilities(ctx), _meta: { [META_SERVER_INFO]: WARDEN_SERVER_INFO } }),
    },
    'tools/list': { era: 'both', cacheable: true, handle: (ctx) => ({ tools: this.listTools(ctx) }) },
    'tools/call': { era: 'both', handle: (ctx, params) => this.pipeline.call(ctx, params) },
    // Relayed to the endpoint's upstream; the ones that hand content to the agent are recorded.
    'resources/list': this.relayed('resources/list', 'resources', { cacheable: true }),
    'resources/templates/list': this.relayed('resources/templates/list', 'resources', { cacheable: true }),
    'resources/read': this.relayed('resources/read', 'resources', { cacheable: true, recorded: true }),
    'prompts/list': this.relayed('prompts/list', 'prompts', { cacheable: true }),
    'prompts/get': this.relayed('prompts/get', 'prompts', { recorded: true }),
    'completion/complete': this.relayed('completion/complete', 'completions', { recorded: true }),
    // Gone in 2026-07-28 (a modern agent asks per request, `_meta` logLevel; subscriptions/listen).
    'logging/setLevel': this.sessionRelayed('logging/setLevel', (ctx, params) => this.relay.setLogLevel(ctx, params)),
    'resources/subscribe': this.sessionRelayed('resources/subscribe', (ctx, params) => this.relay.subscription(ctx, params, true)),
    'resources/unsubscribe': this.sessionRelayed('resources/unsubscribe', (ctx, params) => this.relay.subscription(ctx, params, false)),
    // The 2026-07-28 way to hear of changes: a long-lived response stream (listen-streams.ts).
    'subscriptions/listen': { era: 'stateless', handle: (ctx, params) => this.listens.listen(ctx, params) },
  };

  constructor(
    private readonly servers: ServersReadModel,
    private readonly pipeline: ToolCallPipeline,
    private readonly relay: McpRelay,
    private readonly listens: ListenStreams,
    private readonly aggregate: AggregateRelay,
  ) {}

  /** What this endpoint offers the agent: tools, and on `/mcp/<server>` what its upstream offers of the relayed methods. */
  capabilities(ctx: McpRequestContext): Promise<Result> {
    // A capability token names tools only: nothing else is relayed for it, so nothing else is offered.
    if (!ctx.server && !ctx.token) return this.aggregate.capabilitiesOf(ctx, toolsCapability());
    return this.relay.capabilitiesOf(ctx.token ? undefined : ctx.server, toolsCapability(), ctx.stateless);
  }

  /** Throws EDGE.METHOD_NOT_FOUND for a method this era of agent cannot call here. */
  assertAvailable(method: string, stateless: boolean): void {
    const row = this.row(method);
    if (!row || (row.era !== 'both' && (row.era === 'stateless') !== stateless)) {
      throw new WardenError(stateless ? 'not_found' : 'bad_request', 'EDGE.METHOD_NOT_FOUND', `method not found: ${method}`);
    }
  }

  async dispatch(method: string, ctx: McpRequestContext, params: Result | undefined): Promise<Result> {
    this.assertAvailable(method, ctx.stateless);
    const row = this.row(method)!;
    const result = await row.handle(ctx, params);
    if (!ctx.stateless) return result;
    return { ...result, resultType: result.resultType ?? 'complete', ...(row.cacheable ? { ttlMs: 0, cacheScope: 'private' } : {}) };
  }

  private relayed(method: string, needs: RelayedCapability, options: { cacheable?: boolean; recorded?: boolean }): MethodRow {
    return {
      era: 'both',
      cacheable: options.cacheable,
      handle: (ctx, params) => {
        if (ctx.token) throw new WardenError('denied', 'GATE.TOKEN_SCOPE', `a capability token allows its tools only, not ${method}`);
        if (!ctx.server) return this.aggregate.handle(ctx, method, params, options.recorded ?? false);
        return this.relay.forward(ctx, method, params, needs, options.recorded ?? false);
      },
    };
  }

  /** A relayed method that belongs to a 2025 session (its effect is the session's). */
  private sessionRelayed(method: string, handle: (ctx: McpRequestContext, params: Result | undefined) => Promise<Result>): MethodRow {
    return {
      era: 'session',
      handle: (ctx, params) => {
        if (ctx.token) throw new WardenError('denied', 'GATE.TOKEN_SCOPE', `a capability token allows its tools only, not ${method}`);
        return handle(ctx, params);
      },
    };
  }

  private row(method: string): MethodRow | undefined {
    return Object.hasOwn(this.table, method) ? this.table[method] : undefined;
  }

  /**
   * Only approved tools appear; on the aggregated endpoint, prefixed by their server's slug. With
   * a capability token, only its server's tools that it names.
   */
  private listTools(ctx: McpRequestContext): unknown[] {
    const token = ctx.token;
    const listed = (t: RegisteredTool) => t.state === 'approved' && (!token || token.tools.includes(t.name));
    if (ctx.server) {
      if (ctx.server.status !== 'active') return [];
      return [...ctx.server.tools.values()].filter(listed).map((t) => t.definition);
    }
    return serversVisibleTo(ctx.agent, this.servers)
      .filter((server) => !token || server.serverId === token.server)
      .flatMap((server) => [...server.tools.values()].filter(listed).map((t) => ({ ...t.definition, name: aggregatedName(server, t.name) })));
  }
}
