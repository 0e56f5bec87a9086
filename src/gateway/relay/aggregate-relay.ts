import { Injectable, Logger } from '@nestjs/common';
import { WardenError } from '../../common/warden-error';
import { ServersReadModel, type RegisteredServer } from '../../registry/servers.read-model';
import type { McpRequestContext } from '../mcp-request-context';
import { serversVisibleTo } from '../tool-names';
import { AggregateCursors, type CursorBinding } from './aggregate-cursor';
import {
  namespacedPromptResult,
  namespacedPrompts,
  namespacedReadResult,
  namespacedResources,
  namespacedTemplates,
  parseWardenUri,
  splitAggregatedName,
  type NamespacedName,
} from './aggregate-names';
import { McpRelay, type RelayedCapability } from './mcp-relay';

type Result = Record<string, unknown>;
type Json = Record<string, unknown>;

/** The lists served on `/mcp`: where their entries are and how they are put in the namespace. */
const LISTS: Record<string, { items: string; needs: RelayedCapability; rename: (slug: string, items: unknown) => Json[] }> = {
  'resources/list': { items: 'resources', needs: 'resources', rename: namespacedResources },
  'resources/templates/list': { items: 'resourceTemplates', needs: 'resources', rename: namespacedTemplates },
  'prompts/list': { items: 'prompts', needs: 'prompts', rename: namespacedPrompts },
};

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Resources, resource templates, prompts and completions on the aggregated endpoint `/mcp`: those
 * of every server the agent may use (the servers its tools are listed from), named reversibly
 * (aggregate-names.ts). A request that names one resource or prompt is mapped back to its server
 * and its upstream name, then relayed by McpRelay.forward exactly as on `/mcp/<server>`: the
 * same gates, content filters and records. A name of a server the agent may not use is answered
 * like an unknown name. Lists page through the servers one upstream page at a time, with a
 * sealed cursor (aggregate-cursor.ts).
 */
/** What /mcp serves of the relayed methods (AggregateRelay.handle). */
const AGGREGATED_CAPABILITIES = ['resources', 'prompts', 'completions'] as const;

@Injectable()
export class AggregateRelay {
  private readonly logger = new Logger('AggregateRelay');

  constructor(
    private readonly servers: ServersReadModel,
    private readonly relay: McpRelay,
    private readonly cursors: AggregateCursors,
  ) {}

  /**
   * `/mcp`: tools, and the union of what the visible servers' upstreams offer of the methods served
   * here (resources, prompts, completions), without the flags of what /mcp does not relay
   * (resource subscriptions, list-changed of resources and prompts, logging: /mcp/<server> only).
   */
  async capabilitiesOf(ctx: McpRequestContext, tools: Result): Promise<Result> {
    const offered = await Promise.all(this.visible(ctx).map((server) => this.relay.capabilitiesOf(server, tools, ctx.stateless)));
    const union: Result = { tools };
    for (const one of offered) for (const capability of AGGREGATED_CAPABILITIES) if (one[capability] !== undefined) union[capability] = {};
    return union;
  }

  handle(ctx: McpRequestContext, method: string, params: Result | undefined, recorded: boolean): Promise<Result> {
    if (Object.hasOwn(LISTS, method)) return this.list(ctx, method, params);
    if (method === 'resources/read') return this.read(ctx, params, recorded);
    if (method === 'prompts/get') return this.getPrompt(ctx, params, recorded);
    if (method === 'completion/complete') return this.complete(ctx, params, recorded);
    throw new WardenError(ctx.stateless ? 'not_found' : 'bad_request', 'EDGE.METHOD_NOT_FOUND', `method not found: ${method}`);
  }

  private async list(ctx: McpRequestContext, method: string, params: Result | undefined): Promise<Result> {
    const { items, needs, rename } = LISTS[method];
    const binding: CursorBinding = { method, orgId: ctx.agent.orgId, agentId: ctx.agent.agentId };
    const servers = this.visible(ctx).sort((a, b) => (a.serverId < b.serverId ? -1 : a.serverId > b.serverId ? 1 : 0));
    // As on /mcp/<server>: a list nobody here offers is a method this endpoint does not serve (it is not advertised either).
    const offering = await Promise.all(servers.map((server) => this.offers(server, needs)));
    if (!offering.includes(true)) throw new WardenError(ctx.stateless ? 'not_found' : 'bad_request', 'EDGE.METHOD_NOT_FOUND', `no server of this agent offers ${needs}`);
    let at = 0;
    let upstreamCursor: string | null = null;
    if (params?.cursor !== undefined) {
      const position = this.cursors.open(params.cursor, binding);
      // A server gone since the cursor was issued: continue with the next one.
      at = servers.findIndex((s) => s.serverId >= position.serverId);
      if (at < 0) return { [items]: [] };
      if (servers[at].serverId === position.serverId) upstreamCursor = position.upstreamCursor;
    }
    const { cursor: _agents, ...rest } = params ?? {};
    for (; at < servers.length; at++, upstreamCursor = null) {
      const server = servers[at];
      if (!offering[at]) continue;
      let page: Result;
      try {
        page = await this.relay.forward(this.on(ctx, server), method, { ...rest, ...(upstreamCursor === null ? {} : { cursor: upstreamCursor }) }, needs, false);
      } catch (error) {
        // One server down or refusing its list does not hide the others'; anything else (warden cannot record) stops the list.
        if (error instanceof WardenError && (error.kind === 'upstream' || error.kind === 'denied')) {
          this.logger.warn(`${method} of ${server.slug} left out (${error.code})`);
          continue;
        }
        throw error;
      }
      const next = this.nextPosition(servers, at, page.nextCursor);
      return { [items]: rename(server.slug, page[items]), ...(next ? { nextCursor: this.cursors.seal(next, binding) } : {}) };
    }
    return { [items]: [] };
  }

  private nextPosition(servers: RegisteredServer[], at: number, upstreamNext: unknown) {
    if (upstreamNext !== undefined && upstreamNext !== null) {
      if (!AggregateCursors.carries(upstreamNext)) throw new WardenError('upstream', 'UPSTREAM.BAD_RESPONSE', `${servers[at].slug} answered a nextCursor warden cannot carry`);
      return { serverId: servers[at].serverId, upstreamCursor: upstreamNext };
    }
    return at + 1 < servers.length ? { serverId: servers[at + 1].serverId, upstreamCursor: null } : undefined;
  }

  private async read(ctx: McpRequestContext, params: Result | undefined, recorded: boolean): Promise<Result> {
    const { server, name } = await this.resolve(ctx, parseWardenUri(params?.uri), 'resources', unknownResource(params?.uri));
    const result = await this.relay.forward(this.on(ctx, server), 'resources/read', { ...params, uri: name }, 'resources', recorded);
    return namespacedReadResult(server.slug, result);
  }

  private async getPrompt(ctx: McpRequestContext, params: Result | undefined, recorded: boolean): Promise<Result> {
    const { server, name } = await this.resolve(ctx, splitAggregatedName(params?.name), 'prompts', unknownPrompt(params?.name));
    const result = await this.relay.forward(this.on(ctx, server), 'prompts/get', { ...params, name }, 'prompts', recorded);
    return namespacedPromptResult(server.slug, result);
  }

  /** `ref/prompt` names a prompt, `ref/resource` a resource or template URI: both mapped back to the upstream's. */
  private async complete(ctx: McpRequestContext, params: Result | undefined, recorded: boolean): Promise<Result> {
    const ref = isObject(params?.ref) ? params.ref : undefined;
    let resolved: { server: RegisteredServer; name: string };
    let upstreamRef: Json;
    if (ref?.type === 'ref/prompt') {
      resolved = await this.resolve(ctx, splitAggregatedName(ref.name), 'completions', unknownPrompt(ref.name));
      upstreamRef = { ...ref, name: resolved.name };
    } else if (ref?.type === 'ref/resource') {
      resolved = await this.resolve(ctx, parseWardenUri(ref.uri), 'completions', unknownResource(ref.uri));
      upstreamRef = { ...ref, uri: resolved.name };
    } else {
      throw new WardenError('bad_request', 'EDGE.INVALID_PARAMS', 'completion/complete needs a ref of type ref/prompt or ref/resource', { field: 'ref' });
    }
    return this.relay.forward(this.on(ctx, resolved.server), 'completion/complete', { ...params, ref: upstreamRef }, 'completions', recorded);
  }

  /** The visible server a namespaced name belongs to, if its upstream offers what is asked; else `unknown`. */
  private async resolve(ctx: McpRequestContext, named: NamespacedName | undefined, needs: RelayedCapability, unknown: WardenError) {
    const server = named && this.visible(ctx).find((s) => s.slug === named.slug);
    if (!named || !server || !(await this.offers(server, needs))) throw unknown;
    return { server, name: named.name };
  }

  private async offers(server: RegisteredServer, needs: RelayedCapability): Promise<boolean> {
    return (await this.relay.capabilitiesOf(server, {}))[needs] !== undefined;
  }

  /** The servers whose tools `/mcp` lists to this agent: the same ones serve their resources and prompts. */
  private visible(ctx: McpRequestContext): RegisteredServer[] {
    return serversVisibleTo(ctx.agent, this.servers);
  }

  /** The request as relayed to one server: recorded with endpoint `aggregate`, as it came. */
  private on(ctx: McpRequestContext, server: RegisteredServer): McpRequestContext {
    return { ...ctx, server };
  }
}

function unknownResource(uri: unknown): WardenError {
  return new WardenError('not_found', 'GATE.UNKNOWN_RESOURCE', `no resource ${typeof uri === 'string' ? uri : '(none)'} for this agent: /mcp names resources warden://<server>/<uri>`);
}

function unknownPrompt(name: unknown): WardenError {
  return new WardenError('not_found', 'GATE.UNKNOWN_PROMPT', `no prompt ${typeof name === 'string' ? name : '(none)'} for this agent: /mcp names prompts <server>__<prompt>`);
}
