import { loneSurrogatePath } from '../common/lone-surrogates';
import type { UpstreamAnswer, UpstreamRequestOptions } from '../upstream/upstream-session';
import type { McpRequestContext } from './mcp-request-context';
import { isLogLevel, meetsLevel, META_LOG_LEVEL, type LogLevel } from './relay/log-levels';

/** The requests a server may make of the client, and the client capability each needs. */
const SERVER_REQUEST_CAPABILITY: Readonly<Record<string, string>> = {
  'sampling/createMessage': 'sampling',
  'elicitation/create': 'elicitation',
  'roots/list': 'roots',
};

/**
 * How a request the agent made travels upstream: with the agent's cancellation and its agent id
 * (an agent with client capabilities to declare gets a 2025 upstream session of its own);
 * relaying back the progress notifications that carry the agent's own progress token (the
 * upstream sees the token as the agent sent it; `_meta` is forwarded intact) and the log messages
 * the agent may get (`logging`: its session's level, or a 2026-07-28 request's `_meta` opt-in);
 * and relaying to the agent the requests the upstream makes of it (sampling, elicitation, roots)
 * when the agent said it can answer them. Anything else the upstream asks is answered "method not found".
 */
export function upstreamOptionsFor(ctx: McpRequestContext, params: Record<string, unknown> | undefined, logging: RequestLogging = {}): UpstreamRequestOptions {
  const options: UpstreamRequestOptions = {
    signal: ctx.signal,
    agentId: ctx.agent.agentId,
    onServerRequest: (request) => askAgent(ctx, request),
    clientCapabilities: relayableCapabilities(ctx),
  };
  const meta = params?._meta as { progressToken?: unknown; [META_LOG_LEVEL]?: unknown } | undefined;
  const token = meta?.progressToken;
  const notify = ctx.notify;
  // 2025 sessions get every log message at or above the level they set (all, when they set none);
  // 2026-07-28 requests only when their _meta opted in (the revision forbids them otherwise).
  const minimum: LogLevel | undefined = ctx.stateless ? (isLogLevel(meta?.[META_LOG_LEVEL]) ? meta[META_LOG_LEVEL] : undefined) : logging.sessionLevel;
  const relaysLogs = !ctx.stateless || minimum !== undefined;
  if (!ctx.stateless && logging.sessionLevel !== undefined) options.logLevel = logging.sessionLevel;
  const relaysProgress = typeof token === 'string' || typeof token === 'number';
  if (notify !== undefined && (relaysProgress || relaysLogs)) {
    options.onNotification = (message) => {
      const progress = message.params as { progressToken?: unknown } | undefined;
      if (message.method === 'notifications/progress' && relaysProgress && progress?.progressToken === token) notify(message);
      if (message.method === 'notifications/message' && relaysLogs && meetsLevel(message, minimum)) {
        notify(message);
        logging.onRelayed?.(message);
      }
    };
  }
  return options;
}

/** How a request relays the upstream's log messages about it. */
export interface RequestLogging {
  /** The level the agent's 2025 session set with logging/setLevel (none: every level). */
  sessionLevel?: LogLevel;
  /** Told of each log message relayed to the agent (recorded with the call). */
  onRelayed?: (message: Record<string, unknown>) => void;
}

/**
 * The agent's capabilities warden can honour upstream: those of the server-to-client kinds, when
 * the agent can be asked (a 2025 session, through warden) or answers input_required itself (2026).
 */
function relayableCapabilities(ctx: McpRequestContext): Record<string, unknown> {
  if (!ctx.clientCapabilities || (!ctx.stateless && ctx.ask === undefined)) return {};
  const relayable = new Set(Object.values(SERVER_REQUEST_CAPABILITY));
  return Object.fromEntries(Object.entries(ctx.clientCapabilities).filter(([name]) => relayable.has(name)));
}

/** Whether the agent said it can answer this kind of server request. */
export function agentCanAnswer(ctx: McpRequestContext, method: string): boolean {
  const capability = Object.hasOwn(SERVER_REQUEST_CAPABILITY, method) ? SERVER_REQUEST_CAPABILITY[method] : undefined;
  return capability !== undefined && ctx.clientCapabilities?.[capability] !== undefined;
}

/** The answer warden gives an upstream's request the agent cannot answer. */
export function refusal(method: string): UpstreamAnswer {
  return { error: { code: -32601, message: `the calling agent cannot answer ${method}` } };
}

/**
 * The answer to an upstream's request whose params hold a lone UTF-16 surrogate: the exchange
 * could not be recorded (the ledger's canonical JSON is I-JSON), so it is not relayed at all.
 * Undefined for a well-formed request.
 */
export function unrecordable(request: { method: string; params?: Record<string, unknown> }): UpstreamAnswer | undefined {
  const field = loneSurrogatePath(request.params, 'params');
  if (field === undefined) return undefined;
  return { error: { code: -32602, message: `invalid Unicode in the request (a lone UTF-16 surrogate at ${field}): not relayed` } };
}

function askAgent(ctx: McpRequestContext, request: { method: string; params?: Record<string, unknown> }): Promise<UpstreamAnswer> {
  if (ctx.ask === undefined || !agentCanAnswer(ctx, request.method)) return Promise.resolve(refusal(request.method));
  return Promise.resolve(unrecordable(request) ?? ctx.ask(request));
}
