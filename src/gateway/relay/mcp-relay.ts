import { Injectable, Logger } from '@nestjs/common';
import { WardenError } from '../../common/warden-error';
import type { RegisteredServer } from '../../registry/servers.read-model';
import { upstreamTargetOf } from '../../registry/server-endpoint';
import { UpstreamPool } from '../../upstream/upstream-pool';
import { forwardableParams } from '../hop-meta';
import type { McpRequestContext } from '../mcp-request-context';
import { CallRecorder } from '../tool-call/call-recorder';
import { UpstreamCaller } from '../upstream-call';

type Result = Record<string, unknown>;

/** The server capability a relayed method needs, as named in initialize / server/discover results. */
export type RelayedCapability = 'resources' | 'prompts' | 'completions';

/** What an agent is told the endpoint offers on top of tools: no subscriptions or list-changed yet. */
const ADVERTISED: Record<RelayedCapability, Result> = { resources: {}, prompts: {}, completions: {} };

/**
 * Relays the MCP requests that are not tool calls (resources, prompts, completion) to the
 * endpoint's upstream, in the upstream's own revision, and records the ones that hand content
 * to the agent. Served on `/mcp/<server>` only: on the aggregated endpoint resource URIs and
 * prompt names would need a namespace of their own (a later step). Governance of resources and
 * prompts (DESIGN.md §4: a resource read is a `read`) plugs in here.
 */
@Injectable()
export class McpRelay {
  private readonly logger = new Logger('McpRelay');

  constructor(
    private readonly upstreams: UpstreamPool,
    private readonly upstreamCaller: UpstreamCaller,
    private readonly recorder: CallRecorder,
  ) {}

  /** The capabilities of `/mcp/<server>`: tools, plus what its upstream offers of the relayed ones. */
  async capabilitiesOf(server: RegisteredServer | undefined, tools: Result): Promise<Result> {
    // A disabled or removed server's upstream is not contacted: its sessions stay closed.
    if (!server || server.status !== 'active') return { tools };
    let upstream: Readonly<Result>;
    try {
      upstream = await this.upstreams.capabilities(target(server));
    } catch (error) {
      this.logger.warn(`capabilities of ${server.slug} unknown (${error instanceof WardenError ? error.code : 'error'}): tools only`);
      return { tools };
    }
    const relayed = (Object.keys(ADVERTISED) as RelayedCapability[]).filter((c) => upstream[c] !== undefined);
    return { tools, ...Object.fromEntries(relayed.map((c) => [c, ADVERTISED[c]])) };
  }

  async forward(ctx: McpRequestContext, method: string, params: Result | undefined, needs: RelayedCapability, recorded: boolean): Promise<Result> {
    const server = ctx.server;
    if (!server) throw notFound(ctx, `${method} is served on /mcp/<server> endpoints only`);
    if (server.status !== 'active') {
      const code = server.status === 'disabled' ? 'GATE.SERVER_DISABLED' : 'GATE.SERVER_REMOVED';
      throw new WardenError('denied', code, `the server is ${server.status}`);
    }
    const offered = await this.upstreams.capabilities(target(server));
    if (offered[needs] === undefined) throw notFound(ctx, `${server.slug} does not offer ${needs}`);
    const started = performance.now();
    const record = (outcome: string, result?: unknown) => {
      if (!recorded) return;
      this.recorder.relayed(
        ctx.agent.orgId,
        { kind: 'agent', id: ctx.agent.agentId },
        {
          agentId: ctx.agent.agentId,
          serverId: server.serverId,
          method,
          target: targetOf(params),
          outcome,
          latencyMs: Math.round((performance.now() - started) * 1000) / 1000,
          protocolVersion: ctx.protocolVersion,
          endpoint: ctx.endpoint,
          requestId: String(ctx.requestId),
        },
        result,
      );
    };
    try {
      const result = await this.upstreamCaller.call(ctx, target(server), method, forwardableParams(params ?? {}));
      record('ok', result);
      return result;
    } catch (error) {
      record(error instanceof WardenError ? error.code : 'UPSTREAM.UNAVAILABLE');
      throw error;
    }
  }
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
