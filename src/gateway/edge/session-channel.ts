import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AgentsReadModel } from '../../agents/agents.read-model';
import { WARDEN_CONFIG, type WardenConfig } from '../../config/warden-config';
import { ServersReadModel, type RegisteredServer } from '../../registry/servers.read-model';
import type { McpRequestContext } from '../mcp-request-context';
import { CallRecorder } from '../tool-call/call-recorder';
import { AgentRequests, type AgentAnswer } from './agent-requests';
import type { EdgeReply, Resumption } from './edge-reply';
import type { JsonRpcId } from './jsonrpc';
import { LegacySessions } from './legacy-sessions';
import { ResumableStreams } from './resumable-streams';
import { SessionStreams } from './session-streams';

type ServerRequest = { method: string; params?: Record<string, unknown> };

/**
 * What warden sends 2025-revision sessions beyond the answers to their requests: the requests an
 * upstream makes of the agent (on the stream of the request being served, answered by the
 * agent's POST), and notifications on the session's standalone stream (tools/list_changed when
 * an approval changes what the agent may list). The sessions themselves live here too.
 */
@Injectable()
export class SessionChannel implements BeforeApplicationShutdown {
  readonly sessions = new LegacySessions();
  private readonly agentRequests = new AgentRequests();
  private readonly streams = new SessionStreams();
  private readonly resumable = new ResumableStreams();
  private lastSweepMs = 0;
  private readonly askTimeoutMs: number;

  constructor(
    @Inject(WARDEN_CONFIG) config: WardenConfig,
    private readonly agents: AgentsReadModel,
    servers: ServersReadModel,
    private readonly recorder: CallRecorder,
  ) {
    this.askTimeoutMs = config.upstreamTimeoutMs;
    servers.onListedToolsChanged((server) => this.announceToolsChanged(server));
  }

  /** Session streams end before the HTTP server closes (it waits for open responses). */
  beforeApplicationShutdown(): void {
    this.streams.closeAll();
    this.resumable.closeAll();
  }

  /** How the answers of a session's requests are kept for resumption (event ids; a priming event from 2025-11-25 on). */
  resumptionFor(sessionId: string, protocolVersion: string): Resumption {
    return {
      priming: protocolVersion >= '2025-11-25',
      begin: () => {
        this.sweepEndedSessions();
        return this.resumable.begin(sessionId);
      },
    };
  }

  /** A GET with Last-Event-ID: that stream of the session, from after that event (400 EDGE.STREAM_UNKNOWN otherwise). */
  resumeStream(sessionId: string, lastEventId: string, reply: FastifyReply): void {
    this.resumable.resume(sessionId, lastEventId, () => {
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', 'mcp-session-id': sessionId });
      return reply.raw;
    });
  }

  /** Streams kept for resumption, over every session. */
  resumableStreams(): number {
    return this.resumable.size;
  }

  /** Relays an upstream's request to the agent on the stream of `out`; the exchange is recorded behind the answer. */
  async ask(ctx: McpRequestContext, out: EdgeReply, request: ServerRequest): Promise<AgentAnswer> {
    const started = performance.now();
    const answer = await this.agentRequests.ask(ctx.sessionId!, request, (message) => out.notify(message), this.askTimeoutMs);
    this.recorder.serverRequestRelayed(
      ctx.agent.orgId,
      { kind: 'agent', id: ctx.agent.agentId },
      {
        agentId: ctx.agent.agentId,
        serverId: ctx.server?.serverId ?? null,
        method: request.method,
        outcome: 'result' in answer ? 'ok' : `error ${answer.error.code}`,
        latencyMs: Math.round((performance.now() - started) * 1000) / 1000,
        endpoint: ctx.endpoint,
        requestId: String(ctx.requestId),
      },
      { request: request.params ?? null, answer },
    );
    return answer;
  }

  /** An agent's POSTed answer to one of those requests (accepted only from the session it went to). */
  answer(sessionId: string, id: JsonRpcId, message: Record<string, unknown>): void {
    this.agentRequests.answer(sessionId, id, message);
  }

  openStream(sessionId: string, reply: FastifyReply): void {
    this.streams.open(sessionId, reply);
  }

  /** How many sessions have their standalone stream open. */
  openStreams(): number {
    return this.streams.sessionIds().length;
  }

  /** Ends the session and its stream; false when it is not this agent's. */
  close(sessionId: string, agentId: string): boolean {
    if (!this.sessions.close(sessionId, agentId)) return false;
    this.streams.close(sessionId);
    this.resumable.drop(sessionId);
    return true;
  }

  /**
   * Sends `message` on the standalone stream of every session on `server`'s own endpoint whose
   * agent may still use it (only `agentId`'s sessions, when given) and that `wants` it: how what an
   * upstream sends outside requests reaches agents (relay/upstream-notifications.ts). The number sent.
   */
  notifyEndpointSessions(server: RegisteredServer, message: Record<string, unknown>, options: { agentId?: string; wants?: (sessionId: string) => boolean } = {}): number {
    let sent = 0;
    for (const sessionId of this.streams.sessionIds()) {
      const session = this.sessions.peek(sessionId);
      if (!session || session.endpoint !== server.slug) continue;
      if (options.agentId !== undefined && session.agentId !== options.agentId) continue;
      const agent = this.agents.get(server.orgId, session.agentId);
      if (!agent || agent.status !== 'active' || (agent.servers && !agent.servers.includes(server.serverId))) continue;
      if (options.wants && !options.wants(sessionId)) continue;
      if (this.streams.send(sessionId, message)) sent++;
    }
    return sent;
  }

  /** Sessions also end by idling out (legacy-sessions.ts): their kept streams go too, checked at most once a minute. */
  private sweepEndedSessions(): void {
    const now = Date.now();
    if (now - this.lastSweepMs < 60_000) return;
    this.lastSweepMs = now;
    this.resumable.retainSessions((sessionId) => this.sessions.peek(sessionId) !== undefined);
  }

  /** Tells the sessions that can see `server` (its endpoint, or the aggregate for agents allowed it) that their tool list changed. */
  private announceToolsChanged(server: RegisteredServer): void {
    for (const sessionId of this.streams.sessionIds()) {
      const session = this.sessions.peek(sessionId);
      if (!session) continue;
      const agent = this.agents.get(server.orgId, session.agentId);
      if (!agent || (agent.servers && !agent.servers.includes(server.serverId))) continue;
      if (session.endpoint !== server.slug && session.endpoint !== 'aggregate') continue;
      this.streams.send(sessionId, { jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
    }
  }
}
