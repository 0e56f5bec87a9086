import { loneSurrogatePath } from '../common/lone-surrogates';
import type { UpstreamAnswer, UpstreamRequestOptions } from '../upstream/upstream-session';
import type { McpRequestContext } from './mcp-request-context';

/** The requests a server may make of the client, and the client capability each needs. */
const SERVER_REQUEST_CAPABILITY: Readonly<Record<string, string>> = {
  'sampling/createMessage': 'sampling',
  'elicitation/create': 'elicitation',
  'roots/list': 'roots',
};

/**
 * How a request the agent made travels upstream: with the agent's cancellation; relaying back
 * only the progress notifications that carry the agent's own progress token (the upstream sees
 * the token as the agent sent it; `_meta` is forwarded intact); and relaying to the agent the
 * requests the upstream makes of it (sampling, elicitation, roots) when the agent said it can
 * answer them. Anything else the upstream asks is answered "method not found".
 */
export function upstreamOptionsFor(ctx: McpRequestContext, params: Record<string, unknown> | undefined): UpstreamRequestOptions {
  const options: UpstreamRequestOptions = {
    signal: ctx.signal,
    agentId: ctx.agent.agentId,
    onServerRequest: (request) => askAgent(ctx, request),
    clientCapabilities: relayableCapabilities(ctx),
  };
  const token = (params?._meta as { progressToken?: unknown } | undefined)?.progressToken;
  const notify = ctx.notify;
  if (notify !== undefined && (typeof token === 'string' || typeof token === 'number')) {
    options.onNotification = (message) => {
      const progress = message.params as { progressToken?: unknown } | undefined;
      if (message.method === 'notifications/progress' && progress?.progressToken === token) notify(message);
    };
  }
  return options;
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
