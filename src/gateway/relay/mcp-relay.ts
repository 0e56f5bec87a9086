import { Injectable, Logger } from '@nestjs/common';
import { WardenError } from '../../common/warden-error';
import type { RegisteredServer } from '../../registry/servers.read-model';
import { upstreamTargetOf } from '../../registry/server-endpoint';
import { UpstreamPool } from '../../upstream/upstream-pool';
import { forwardableParams } from '../hop-meta';
import type { McpRequestContext } from '../mcp-request-context';
import { CallRecorder } from '../tool-call/call-recorder';
import { combine, firstRestrictive, type CallContext, type Decision, type GateVerdict } from '../tool-call/gate';
import { GateRegistry } from '../tool-call/gate-registry';
import type { McpRequestRelayedData } from '../tool-call/tool-call.events';
import { decisionRecord, refusalOf } from '../tool-call/verdict-record';
import { ContentFilterRegistry } from '../tool-call/content-filters';
import { UpstreamCaller } from '../upstream-call';
import { isLogLevel, LOG_LEVELS, SessionLogLevels } from './log-levels';
import { ResourceSubscriptions } from './resource-subscriptions';

type Result = Record<string, unknown>;

/** The server capability a relayed method needs, as named in initialize / server/discover results. */
export type RelayedCapability = 'resources' | 'prompts' | 'completions' | 'logging';

const RELAYED: readonly RelayedCapability[] = ['resources', 'prompts', 'completions', 'logging'];

/**
 * What an agent is told the endpoint offers on top of tools, of what the upstream offers. Resource
 * `subscribe` and `listChanged`, prompt `listChanged`, when warden relays what the upstream sends
 * outside requests (a 2025 upstream's standalone stream): to 2025 sessions on their standalone
 * stream, to 2026-07-28 agents on `subscriptions/listen` (listen-streams.ts). Logging to 2025
 * sessions only: 2026-07-28 deprecates it (a modern agent gets log messages only for a request
 * whose `_meta` asks).
 */
function advertised(capability: RelayedCapability, offered: unknown, stateless: boolean, relays: { updates: boolean; lists: boolean }): Result | undefined {
  if (offered === undefined) return undefined;
  if (capability === 'logging') return stateless ? undefined : {};
  const flags = typeof offered === 'object' && offered !== null ? (offered as Result) : {};
  if (capability === 'completions') return {};
  // Resource updates need a 2025 session stream; list changes also come on a 2026-07-28 upstream's listen.
  const relayed = [...(capability === 'resources' && relays.updates ? ['subscribe'] : []), ...(relays.lists ? ['listChanged'] : [])];
  return Object.fromEntries(relayed.filter((flag) => flags[flag] === true).map((flag) => [flag, true]));
}

/**
 * Relays the MCP requests that are not tool calls (resources, prompts, completion) to the
 * endpoint's upstream, in the upstream's own revision, and records the ones that hand content
 * to the agent. Served on `/mcp/<server>` only: on the aggregated endpoint resource URIs and
 * prompt names would need a namespace of their own (a later step). Resources, prompts and
 * completions pass the same gates as tool calls (DESIGN.md §4: a resource read is a `read`):
 * every gate that judges the method (the policy gate does) decides before anything is forwarded;
 * a refusal is recorded with its reasons and never reaches the upstream.
 */
@Injectable()
export class McpRelay {
  private readonly logger = new Logger('McpRelay');

  constructor(
    private readonly upstreams: UpstreamPool,
    private readonly upstreamCaller: UpstreamCaller,
    private readonly recorder: CallRecorder,
    private readonly gates: GateRegistry,
    private readonly filters: ContentFilterRegistry,
    private readonly logLevels: SessionLogLevels,
    private readonly subscriptions: ResourceSubscriptions,
  ) {}

  /** The capabilities of `/mcp/<server>`: tools, plus what its upstream offers of the relayed ones. */
  async capabilitiesOf(server: RegisteredServer | undefined, tools: Result, stateless = false): Promise<Result> {
    // A disabled or removed server's upstream is not contacted: its sessions stay closed.
    if (!server || server.status !== 'active') return { tools };
    let upstream: Readonly<Result>;
    try {
      upstream = await this.upstreams.capabilities(target(server));
    } catch (error) {
      this.logger.warn(`capabilities of ${server.slug} unknown (${error instanceof WardenError ? error.code : 'error'}): tools only`);
      return { tools };
    }
    const relays = {
      updates: await this.upstreams.relaysResourceUpdates(target(server)).catch(() => false),
      lists: await this.upstreams.relaysListChanges(target(server)).catch(() => false),
    };
    const offers = RELAYED.map((c) => [c, advertised(c, upstream[c], stateless, relays)] as const).filter(([, a]) => a !== undefined);
    return { tools, ...Object.fromEntries(offers) };
  }

  /**
   * `logging/setLevel` of a 2025 session, gated like every relayed method. The level is the
   * session's: what warden relays to it is filtered by it. The upstream is told only on a session
   * of the agent's own (UpstreamPool.entryFor): on the pooled session one agent's level would
   * silence the upstream's messages for every other agent, so there the upstream keeps its default.
   */
  async setLogLevel(ctx: McpRequestContext, params: Result | undefined): Promise<Result> {
    const level = params?.level;
    if (!isLogLevel(level)) throw new WardenError('bad_request', 'EDGE.INVALID_PARAMS', `level must be one of ${LOG_LEVELS.join(', ')}`);
    await this.forward(ctx, 'logging/setLevel', params, 'logging', false, { upstreamNeeded: (server) => this.upstreamCaller.ownsUpstreamSession(ctx, target(server)) });
    if (ctx.sessionId) this.logLevels.set(ctx.sessionId, level);
    return {};
  }

  /**
   * `resources/subscribe` / `unsubscribe` of a 2025 session, gated like `resources/read` (the
   * policy sees the URI). The subscription is the session's: `notifications/resources/updated`
   * for the URI goes to the sessions that hold it only. The upstream session that serves the
   * agent is asked to subscribe when the first session subscribes there, to unsubscribe when the
   * last one leaves (ResourceSubscriptions).
   */
  async subscription(ctx: McpRequestContext, params: Result | undefined, subscribe: boolean): Promise<Result> {
    const method = subscribe ? 'resources/subscribe' : 'resources/unsubscribe';
    const uri = params?.uri;
    if (typeof uri !== 'string' || uri.length === 0) throw new WardenError('bad_request', 'EDGE.INVALID_PARAMS', `${method} needs the resource's uri`);
    const server = ctx.server;
    if (server && server.status === 'active') {
      const offered = (await this.upstreams.capabilities(target(server))).resources as Result | undefined;
      // Updates arrive on a 2025 upstream's standalone stream, or on warden's listen to a 2026-07-28 upstream.
      if (offered?.subscribe !== true || !(await this.upstreams.relaysResourceUpdates(target(server)))) {
        throw notFound(ctx, `${server.slug} does not offer resource subscriptions warden can relay`);
      }
    }
    let registered: { sessionId: string; serverId: string; scope: string } | undefined;
    try {
      await this.forward(ctx, method, params, 'resources', false, {
        upstreamNeeded: async (s) => {
          const scope = (await this.upstreamCaller.ownsUpstreamSession(ctx, target(s))) ? ctx.agent.agentId : '';
          if (subscribe) registered = { sessionId: ctx.sessionId!, serverId: s.serverId, scope };
          const changed = subscribe ? this.subscriptions.subscribe(ctx.sessionId!, s.serverId, scope, uri) : this.subscriptions.unsubscribe(ctx.sessionId!, s.serverId, scope, uri);
          // A 2026-07-28 upstream has no resources/subscribe: warden's listen there watches the URIs held.
          if (changed && (await this.upstreams.watchResources(target(s), this.subscriptions.urisHeld(s.serverId, scope)))) return false;
          return changed;
        },
      });
    } catch (error) {
      // A subscription the upstream refused is not held.
      if (registered) this.subscriptions.unsubscribe(registered.sessionId, registered.serverId, registered.scope, uri);
      throw error;
    }
    return {};
  }

  /**
   * @param options.upstreamNeeded decided after the gates: false answers `{}` without asking the
   * upstream (what the upstream was already told holds).
   */
  async forward(
    ctx: McpRequestContext,
    method: string,
    params: Result | undefined,
    needs: RelayedCapability,
    recorded: boolean,
    options: { upstreamNeeded?: (server: RegisteredServer) => Promise<boolean> | boolean } = {},
  ): Promise<Result> {
    const server = ctx.server;
    if (!server) throw notFound(ctx, `${method} is served on /mcp/<server> endpoints only`);
    if (server.status !== 'active') {
      const code = server.status === 'disabled' ? 'GATE.SERVER_DISABLED' : 'GATE.SERVER_REMOVED';
      throw new WardenError('denied', code, `the server is ${server.status}`);
    }
    const offered = await this.upstreams.capabilities(target(server));
    if (offered[needs] === undefined) throw notFound(ctx, `${server.slug} does not offer ${needs}`);
    const started = performance.now();
    // Every gate that judges the method, and (for a prompt's arguments) the content filters, decide before the upstream sees anything.
    const verdicts = this.gateVerdicts(ctx, server, method, params);
    let forwardedParams = params ?? {};
    if (recorded && method === 'prompts/get' && isObject(params?.arguments)) {
      const forwarded = this.filters.filterArguments(callOf(ctx, server, method, params), params.arguments);
      if (forwarded.verdicts) verdicts.push(...forwarded.verdicts);
      forwardedParams = { ...params, arguments: forwarded.arguments };
    }
    let judged: Pick<McpRequestRelayedData, 'decision' | 'reasons' | 'rules' | 'policyVersion' | 'argumentFindings'> | undefined;
    let blocking: { verdict: GateVerdict; decision: Decision } | undefined;
    if (verdicts.length > 0) {
      const { decision, reasons } = combine(verdicts);
      const { findings, ...rest } = decisionRecord(decision, reasons);
      // The relayed event's payload is the result: argument findings carry no payload digest.
      judged = { ...rest, ...(findings ? { argumentFindings: findings } : {}) };
      if (decision !== 'allow' && decision !== 'observe') blocking = { verdict: firstRestrictive(reasons, decision)!, decision };
    }
    const record = (outcome: string, result?: unknown, filtered?: { findings: unknown[]; resultFiltered?: 'redacted' | 'withheld' }) => {
      // A refusal is always recorded; other outcomes for the methods that hand content to the agent.
      if (!recorded && !blocking) return;
      this.recorder.relayed(
        ctx.agent.orgId,
        { kind: 'agent', id: ctx.agent.agentId },
        {
          agentId: ctx.agent.agentId,
          serverId: server.serverId,
          method,
          target: targetOf(params),
          outcome,
          ...(judged ?? {}),
          ...(filtered && filtered.findings.length > 0 ? { findings: filtered.findings as never } : {}),
          ...(filtered?.resultFiltered ? { resultFiltered: filtered.resultFiltered } : {}),
          latencyMs: Math.round((performance.now() - started) * 1000) / 1000,
          protocolVersion: ctx.protocolVersion,
          endpoint: ctx.endpoint,
          requestId: String(ctx.requestId),
        },
        result,
      );
    };
    if (blocking) {
      record(blocking.verdict.code);
      throw refusalOf(blocking.verdict, blocking.decision, {});
    }
    let result: Result;
    try {
      const needed = options.upstreamNeeded ? await options.upstreamNeeded(server) : true;
      result = needed ? await this.upstreamCaller.call(ctx, target(server), method, forwardableParams(forwardedParams)) : {};
    } catch (error) {
      record(error instanceof WardenError ? error.code : 'UPSTREAM.UNAVAILABLE');
      throw error;
    }
    if (!recorded) return result;
    // Content filters (guardrails) judge what a resource read or a prompt hands the agent.
    const filtered = this.filters.filterResult(callOf(ctx, server, method, params), result);
    const resultFiltered = filtered.withheld ? ('withheld' as const) : filtered.rewritten ? ('redacted' as const) : undefined;
    record(filtered.withheld ? filtered.withheld.code : 'ok', result, { findings: filtered.findings, ...(resultFiltered ? { resultFiltered } : {}) });
    if (filtered.withheld) throw new WardenError('denied', filtered.withheld.code, filtered.withheld.detail, { rules: filtered.withheld.rules });
    return filtered.result;
  }

  /** The verdicts of every gate that judges this method (none: an empty list). */
  private gateVerdicts(ctx: McpRequestContext, server: RegisteredServer, method: string, params: Result | undefined): GateVerdict[] {
    const gates = this.gates.for(method);
    if (gates.length === 0) return [];
    const meta = params?._meta;
    const call: CallContext = {
      agent: ctx.agent,
      requestedName: targetOf(params) ?? method,
      server,
      method,
      ...(method.startsWith('resources/') && typeof params?.uri === 'string' ? { resourceUri: params.uri } : {}),
      ...(method === 'prompts/get' && typeof params?.name === 'string' ? { promptName: params.name } : {}),
      ...(typeof meta === 'object' && meta !== null && !Array.isArray(meta) ? { meta: meta as Record<string, unknown> } : {}),
      at: new Date(),
      token: ctx.token,
    };
    return gates.map((gate) => gate.evaluate(call));
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** What a content filter sees of a relayed request. One object per request: its argument scan is kept for it. */
function callOf(ctx: McpRequestContext, server: RegisteredServer, method: string, params: Result | undefined): CallContext {
  const name = targetOf(params) ?? method;
  return {
    agent: ctx.agent,
    requestedName: name,
    server,
    method,
    ...(isObject(params?.arguments) ? { arguments: params.arguments } : {}),
    ...(method === 'resources/read' ? { resourceUri: name } : {}),
    ...(method === 'prompts/get' ? { promptName: name } : {}),
    at: new Date(),
  };
}

const target = (server: RegisteredServer) => upstreamTargetOf(server);

function notFound(ctx: McpRequestContext, message: string): WardenError {
  return new WardenError(ctx.stateless ? 'not_found' : 'bad_request', 'EDGE.METHOD_NOT_FOUND', message);
}

/** What a relayed request names: a resource URI, a prompt name, or a completion's reference. */
function targetOf(params: Result | undefined): string | null {
  if (typeof params?.uri === 'string') return params.uri;
  if (typeof params?.name === 'string') return params.name;
  const ref = params?.ref as { uri?: unknown; name?: unknown } | undefined;
  if (typeof ref?.uri === 'string') return ref.uri;
  if (typeof ref?.name === 'string') return ref.name;
  return null;
}
