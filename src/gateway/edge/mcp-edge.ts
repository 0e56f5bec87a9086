import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Agent, AgentsReadModel } from '../../agents/agents.read-model';
import { bearerToken, hashApiKey } from '../../common/api-keys';
import { KeyHints } from '../../common/key-hints';
import { WardenError } from '../../common/warden-error';
import { WARDEN_CONFIG, type WardenConfig } from '../../config/warden-config';
import { CLOCK, type Clock } from '../../ledger/clock';
import { looksLikeJwt, type CapabilityScope } from '../../identity/tokens/capability-scope';
import { CapabilityTokens } from '../../identity/tokens/capability-tokens';
import { ServersReadModel, type RegisteredServer } from '../../registry/servers.read-model';
import { WARDEN_SERVER_INFO, McpMethods } from '../mcp-methods';
import type { McpRequestContext } from '../mcp-request-context';
import { OrganisationsReadModel } from '../../tenancy/organisations.read-model';
import { CallRecorder } from '../tool-call/call-recorder';
import { RejectedRequests } from '../tool-call/rejected-requests';
import { checkRoutingHeaders, HostOriginPolicy } from './edge-guards';
import { EdgeReply } from './edge-reply';
import { acceptsJsonAndEventStream } from './accept-header';
import { edgeStatusOf } from './edge-status';
import { idOf, invalidUnicode, loneSurrogateField, parseBody, parseJsonRpc, type JsonRpcId, type JsonRpcNotification, type JsonRpcRequest, type ParsedBody } from './jsonrpc';
import { decodeUtf8Body, payloadTooLarge, readEdgeBody, type EdgeBody } from './request-body';
import { toJsonRpcError } from './jsonrpc-errors';
import { InFlightRequests } from './in-flight-requests';
import { SessionChannel } from './session-channel';
import { checkSessionVersionHeader, META_CLIENT_CAPABILITIES, negotiateSessionRevision, statelessRevisionOf } from './protocol-revision';

const SESSION_HEADER = 'mcp-session-id';
const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Past the limit, this much more is read and dropped so the client gets the 413; beyond it the connection is closed. */
const DRAIN_BYTES = 16 * 1024 * 1024;

/** A POST body as the edge received it, read before anything is checked so every error can name its id. */
interface ReceivedBody {
  text: string;
  parsed: ParsedBody;
  id: JsonRpcId | null;
  /** Over the limit, or not UTF-8: refused once the agent is known. */
  refusal?: WardenError;
  /** It sent more than the edge drains: the answer closes the connection. */
  closeConnection?: boolean;
}

/** Errors raised before a method runs are transport-level: they get their HTTP status. */
class EdgeRejection extends Error {
  constructor(readonly error: unknown) {
    super('edge rejection');
  }
}

const header = (req: FastifyRequest, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * The MCP endpoint: `/mcp` (aggregated) and `/mcp/<server slug>`, Streamable HTTP, for agents of
 * every supported revision — 2025-06-18 / 2025-11-25 with sessions, 2026-07-28 stateless. warden
 * parses each request once and answers JSON; no SDK server object is built per request.
 */
@Injectable()
export class McpEdge {
  private readonly logger = new Logger('McpEdge');
  private readonly hostOrigin: HostOriginPolicy;
  private readonly inFlight = new InFlightRequests();
  private readonly streamHoldMs: number;

  constructor(
    @Inject(WARDEN_CONFIG) config: WardenConfig,
    private readonly agents: AgentsReadModel,
    private readonly servers: ServersReadModel,
    private readonly methods: McpMethods,
    private readonly recorder: CallRecorder,
    private readonly channel: SessionChannel,
    private readonly hints: KeyHints,
    private readonly organisations: OrganisationsReadModel,
    private readonly rejections: RejectedRequests,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly tokens: CapabilityTokens,
  ) {
    this.hostOrigin = new HostOriginPolicy(config.allowedHosts, config.allowedOrigins);
    this.streamHoldMs = config.edgeStreamHoldMs;
  }

  async register(fastify: FastifyInstance): Promise<void> {
    await fastify.register(async (scope) => {
      // Keep bodies raw: JSON-RPC errors (parse error, batches, too large, not UTF-8) are ours to
      // answer, not Fastify's.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_req, payload, done) => {
        readEdgeBody(payload, MAX_BODY_BYTES, DRAIN_BYTES).then((body) => done(null, body), (error: Error) => done(error));
      });
      for (const url of ['/mcp', '/mcp/:server']) {
        scope.post(url, (req, reply) => this.post(req, reply));
        scope.get(url, (req, reply) => this.openStream(req, reply));
        scope.delete(url, (req, reply) => this.deleteSession(req, reply));
      }
    });
  }

  private async post(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const out = new EdgeReply(reply);
    const received = receivedBody(req.body as EdgeBody | undefined);
    if (received.closeConnection) reply.header('connection', 'close');
    let id: JsonRpcId | null = received.id;
    let agent: Agent | undefined;
    let token: CapabilityScope | undefined;
    let method: string | null = null;
    try {
      this.hostOrigin.check(header(req, 'host'), header(req, 'origin'));
      ({ agent, token } = await this.authenticate(req));
      const server = await this.resolveEndpoint(req, agent, token);
      const contentType = header(req, 'content-type') ?? '';
      if (!/^application\/json\b/i.test(contentType)) {
        throw new WardenError('bad_request', 'EDGE.UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json');
      }
      if (!acceptsJsonAndEventStream(header(req, 'accept'))) {
        throw new WardenError('bad_request', 'EDGE.NOT_ACCEPTABLE', 'Accept must list both application/json and text/event-stream');
      }
      if (received.refusal) throw received.refusal;
      const parsed = parseJsonRpc(received.parsed);
      const badField = loneSurrogateField(received.text, parsed);
      if (badField !== undefined) {
        this.logger.warn(`refused a request of agent ${agent.agentId}: ${badField} holds a lone UTF-16 surrogate (EDGE.INVALID_UNICODE)`);
        throw invalidUnicode(badField);
      }
      if (parsed.kind === 'response') {
        // An agent's answer to a request warden relayed to it (sampling, elicitation, roots).
        const session = this.sessionOf(req, agent, server);
        if (session) this.channel.answer(session.id, parsed.id, parsed.message);
        return void reply.code(202).send();
      }
      const message = parsed.message;
      method = message.method;
      if (parsed.kind === 'request') id = parsed.message.id;
      const ctx = this.requestContext(req, reply, agent, token, server, message, id);
      if (parsed.kind === 'notification') {
        if (message.method === 'notifications/cancelled' && ctx.sessionId) {
          this.inFlight.cancel(ctx.sessionId, message.params?.requestId, 'cancelled by the agent');
        }
        return void reply.code(202).send();
      }
      // 2026-07-28: an unknown method is a transport-level 404; older revisions answer it in-band.
      if (ctx.stateless) this.methods.assertAvailable(message.method, true);
      else if (message.method === 'initialize') return this.sendResult(out, id!, await this.initializeResult(ctx));
      let result: Record<string, unknown>;
      const controller = new AbortController();
      ctx.signal = controller.signal;
      ctx.notify = (notification) => out.notify(notification);
      if (ctx.sessionId) {
        ctx.ask = (request) => this.channel.ask(ctx, out, request);
        out.resumable(this.channel.resumptionFor(ctx.sessionId, ctx.protocolVersion));
      }
      // A 2026-07-28 agent cancels by closing the stream; an agent that goes away is done waiting,
      // unless the answer travels on a resumable stream (2025: disconnection is not cancellation).
      const onClose = () => {
        if (!reply.raw.writableFinished && !out.resumableStreaming) controller.abort(new Error('the agent went away'));
      };
      reply.raw.once('close', onClose);
      // Past the hold, a 2025-11-25 agent's stream is closed early: it comes back with Last-Event-ID.
      const hold = ctx.sessionId && this.streamHoldMs > 0 ? setTimeout(() => out.pollLater(Math.min(this.streamHoldMs, 1000)), this.streamHoldMs) : undefined;
      const untrack = ctx.sessionId ? this.inFlight.begin(ctx.sessionId, id!, controller) : undefined;
      try {
        result = await this.methods.dispatch(message.method, ctx, message.params);
      } catch (error) {
        // A method this endpoint does not serve is a transport-level 404 in 2026-07-28, as above.
        const unserved = ctx.stateless && error instanceof WardenError && error.code === 'EDGE.METHOD_NOT_FOUND';
        return this.sendError(out, unserved ? 404 : 200, id, error);
      } finally {
        clearTimeout(hold);
        untrack?.();
        reply.raw.off('close', onClose);
      }
      return this.sendResult(out, id!, result);
    } catch (error) {
      const cause = error instanceof EdgeRejection ? error.error : error;
      if (agent && cause instanceof WardenError) {
        await this.recordRejection(req, agent, cause, method);
      }
      const status = edgeStatusOf(cause);
      if (!(cause instanceof WardenError)) this.logger.error(`unexpected edge error: ${String(cause)}`);
      return this.sendError(out, status, id, cause);
    }
  }

  /**
   * Works out the request's revision: `initialize` opens a session (2025 revisions); a request
   * declaring 2026-07-28 in its `_meta` or header is stateless; anything else needs its session.
   * Routing headers are checked here, required for 2026-07-28 requests.
   */
  private requestContext(
    req: FastifyRequest,
    reply: FastifyReply,
    agent: Agent,
    token: CapabilityScope | undefined,
    server: RegisteredServer | undefined,
    message: JsonRpcRequest | JsonRpcNotification,
    id: JsonRpcId | null,
  ): McpRequestContext {
    const endpoint = server?.slug ?? 'aggregate';
    const base = { agent, token, server, endpoint, requestId: id ?? '' };
    const stateless = statelessRevisionOf(message.params, header(req, 'mcp-protocol-version'));
    checkRoutingHeaders(message, header(req, 'mcp-method'), header(req, 'mcp-name'), stateless !== undefined);
    if (stateless !== undefined) {
      const declared = (message.params?._meta as Record<string, unknown> | undefined)?.[META_CLIENT_CAPABILITIES];
      const clientCapabilities = typeof declared === 'object' && declared !== null && !Array.isArray(declared) ? (declared as Record<string, unknown>) : {};
      return { ...base, protocolVersion: stateless, stateless: true, clientCapabilities };
    }
    if (message.method === 'initialize') {
      if (id === null) throw new WardenError('bad_request', 'EDGE.INVALID_REQUEST', 'initialize must be a request');
      const protocolVersion = negotiateSessionRevision(message.params?.protocolVersion);
      const capabilities = message.params?.capabilities;
      const clientCapabilities = typeof capabilities === 'object' && capabilities !== null && !Array.isArray(capabilities) ? (capabilities as Record<string, unknown>) : {};
      const session = this.channel.sessions.open(agent.agentId, endpoint, protocolVersion, message.params?.clientInfo ?? null, clientCapabilities, Date.now());
      reply.header(SESSION_HEADER, session.id);
      return { ...base, protocolVersion, stateless: false, sessionId: session.id, clientCapabilities };
    }
    const sessionId = header(req, SESSION_HEADER);
    if (!sessionId) {
      throw new WardenError('bad_request', 'EDGE.SESSION_REQUIRED', 'send initialize first, or declare protocol version 2026-07-28');
    }
    const session = this.channel.sessions.find(sessionId, agent.agentId, endpoint, Date.now());
    if (!session) throw new WardenError('not_found', 'EDGE.SESSION_UNKNOWN', 'unknown or expired session; initialize again');
    checkSessionVersionHeader(header(req, 'mcp-protocol-version'), session.protocolVersion);
    return { ...base, protocolVersion: session.protocolVersion, stateless: false, sessionId: session.id, clientCapabilities: session.clientCapabilities };
  }

  private sessionOf(req: FastifyRequest, agent: Agent, server: RegisteredServer | undefined) {
    const sessionId = header(req, SESSION_HEADER);
    return sessionId ? this.channel.sessions.find(sessionId, agent.agentId, server?.slug ?? 'aggregate', Date.now()) : undefined;
  }

  private async initializeResult(ctx: McpRequestContext): Promise<Record<string, unknown>> {
    return {
      protocolVersion: ctx.protocolVersion,
      capabilities: await this.methods.capabilities(ctx),
      serverInfo: WARDEN_SERVER_INFO,
      instructions: ctx.server ? `Tools of ${ctx.server.name}, governed by warden.` : 'Tools, prompts and resources of every server you may use, governed by warden: tools and prompts named <server>__<name>, resources warden://<server>/<uri>.',
    };
  }

  /**
   * An agent key, or a capability token (a JWT) that names the agent and narrows what it may do.
   * Checked on every request, sessions included: a revoked token's next request is refused.
   */
  private async authenticate(req: FastifyRequest): Promise<{ agent: Agent; token?: CapabilityScope }> {
    const key = bearerToken(req.headers.authorization);
    let refusal: WardenError | undefined;
    if (key && looksLikeJwt(key)) {
      let verified: { agent: Agent; scope: CapabilityScope } | undefined;
      try {
        verified = await this.tokens.verify(key);
      } catch (error) {
        refusal = error instanceof WardenError ? error : new WardenError('unauthenticated', 'AUTH.TOKEN_INVALID', 'the capability token is not valid');
      }
      if (verified) {
        // A token never widens what its agent may do: a suspended or revoked agent's tokens stop too.
        const inactive = verified.agent.status === 'suspended' ? 'AUTH.AGENT_SUSPENDED' : verified.agent.status === 'revoked' ? 'AUTH.AGENT_REVOKED' : undefined;
        if (inactive) await this.refuseAgent(req, verified.agent, inactive);
        await this.refuseSuspendedOrg(req, verified.agent);
        return { agent: verified.agent, token: verified.scope };
      }
    } else {
      const found = key ? this.agents.authenticate(hashApiKey(key), this.clock.nowMs()) : undefined;
      if (found?.refused) await this.refuseAgent(req, found.agent, found.refused);
      if (found) {
        await this.refuseSuspendedOrg(req, found.agent);
        return { agent: found.agent };
      }
    }
    const code = refusal?.code ?? (key ? 'AUTH.INVALID_KEY' : 'AUTH.MISSING_KEY');
    await this.rejections.record({ source: req.ip, reason: code, path: req.url.split('?')[0], keyHint: key ? this.hints.hintOf(key) : null });
    throw new EdgeRejection(
      refusal ?? new WardenError('unauthenticated', code, key ? 'the API key is not a valid agent key' : 'an agent API key is required (Authorization: Bearer <key>)'),
    );
  }

  /** A suspended or revoked agent: refused on every request, open sessions included. */
  private async refuseAgent(req: FastifyRequest, agent: Agent, refused: 'AUTH.AGENT_SUSPENDED' | 'AUTH.AGENT_REVOKED'): Promise<never> {
    const cause = refused === 'AUTH.AGENT_SUSPENDED'
      ? new WardenError('forbidden', refused, 'the agent is suspended', { state: 'suspended' })
      : new WardenError('unauthenticated', refused, 'the agent is revoked', { state: 'revoked' });
    await this.recordRejection(req, agent, cause, null);
    throw new EdgeRejection(cause);
  }

  private async refuseSuspendedOrg(req: FastifyRequest, agent: Agent): Promise<void> {
    if (this.organisations.get(agent.orgId)?.suspended === false) return;
    const suspended = new WardenError('forbidden', 'TENANCY.ORG_SUSPENDED', "the agent's organisation is suspended");
    await this.recordRejection(req, agent, suspended, null);
    throw new EdgeRejection(suspended);
  }

  private async resolveEndpoint(req: FastifyRequest, agent: Agent, token?: CapabilityScope): Promise<RegisteredServer | undefined> {
    const slug = (req.params as { server?: string }).server;
    if (slug === undefined) return undefined;
    const server = this.servers.bySlugInOrg(agent.orgId, slug);
    if (!server) throw new WardenError('not_found', 'GATE.UNKNOWN_SERVER', `no server ${slug} for this agent`);
    if (agent.servers && !agent.servers.includes(server.serverId)) {
      throw new WardenError('forbidden', 'GATE.SERVER_NOT_PERMITTED', `the agent may not use server ${slug}`);
    }
    if (token && token.server !== server.serverId) throw new WardenError('forbidden', 'GATE.TOKEN_SCOPE', `the capability token is not for server ${slug}`);
    return server;
  }

  private async recordRejection(req: FastifyRequest, agent: Agent, cause: WardenError, method: string | null): Promise<void> {
    const field = typeof cause.details.field === 'string' ? { field: cause.details.field } : {};
    const data = { reason: cause.code, path: req.url.split('?')[0], method, agentId: agent.agentId, keyHint: agent.hint, ...field };
    await this.recorder
      .requestRejected(agent.orgId, { kind: 'agent', id: agent.agentId }, data)
      .catch(() => this.logger.error('could not record a rejected request'));
  }

  /**
   * GET: a 2025 session's standalone SSE stream (list-changed notifications), or with
   * `Last-Event-ID` one of its POST streams resumed (resumable-streams.ts). Without a session
   * there is no stream to offer (2026-07-28 has no GET): 405, as the transport allows.
   */
  private async openStream(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    try {
      this.hostOrigin.check(header(req, 'host'), header(req, 'origin'));
      const sessionId = header(req, SESSION_HEADER);
      if (!sessionId) return void reply.code(405).header('allow', 'POST, DELETE').send();
      const { agent, token } = await this.authenticate(req);
      const server = await this.resolveEndpoint(req, agent, token);
      const session = this.sessionOf(req, agent, server);
      if (!session) throw new WardenError('not_found', 'EDGE.SESSION_UNKNOWN', 'unknown or expired session; initialize again');
      checkSessionVersionHeader(header(req, 'mcp-protocol-version'), session.protocolVersion);
      if (!/text\/event-stream/i.test(header(req, 'accept') ?? '')) {
        throw new WardenError('bad_request', 'EDGE.NOT_ACCEPTABLE', 'a session stream is text/event-stream: Accept it');
      }
      const lastEventId = header(req, 'last-event-id');
      if (lastEventId !== undefined) this.channel.resumeStream(session.id, lastEventId, reply);
      else this.channel.openStream(session.id, reply);
    } catch (error) {
      const cause = error instanceof EdgeRejection ? error.error : error;
      this.sendError(new EdgeReply(reply), edgeStatusOf(cause), null, cause);
    }
  }

  private async deleteSession(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    try {
      this.hostOrigin.check(header(req, 'host'), header(req, 'origin'));
      const { agent } = await this.authenticate(req);
      const sessionId = header(req, SESSION_HEADER);
      if (!sessionId || !this.channel.close(sessionId, agent.agentId)) {
        throw new WardenError('not_found', 'EDGE.SESSION_UNKNOWN', 'unknown session');
      }
      reply.code(204).send();
    } catch (error) {
      const cause = error instanceof EdgeRejection ? error.error : error;
      this.sendError(new EdgeReply(reply), edgeStatusOf(cause), null, cause);
    }
  }

  private sendResult(out: EdgeReply, id: JsonRpcId, result: Record<string, unknown>): void {
    out.send(200, { jsonrpc: '2.0', id, result });
  }

  private sendError(out: EdgeReply, status: number, id: JsonRpcId | null, error: unknown): void {
    out.send(status, { jsonrpc: '2.0', id, error: toJsonRpcError(error) });
  }
}

function receivedBody(body: EdgeBody | undefined): ReceivedBody {
  if (body === undefined) return { text: '', parsed: { ok: false }, id: null };
  if (body.kind === 'too_large') return { text: '', parsed: { ok: false }, id: null, refusal: payloadTooLarge(body.limitBytes), closeConnection: !body.drained };
  const decoded = decodeUtf8Body(body.bytes);
  if ('invalid' in decoded) return { text: '', parsed: { ok: false }, id: idOf(decoded.lossy), refusal: decoded.invalid };
  const parsed = parseBody(decoded.text);
  return { text: decoded.text, parsed, id: idOf(parsed) };
}
