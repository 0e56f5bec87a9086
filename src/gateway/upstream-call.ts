import { Inject, Injectable } from '@nestjs/common';
import { mcpNameOf } from '../common/mcp-header-value';
import { WardenError } from '../common/warden-error';
import { WARDEN_CONFIG, type WardenConfig } from '../config/warden-config';
import { UpstreamPool, type UpstreamTarget } from '../upstream/upstream-pool';
import type { UpstreamAnswer } from '../upstream/upstream-session';
import { ParkedCall, ParkedCalls } from './bridge/parked-calls';
import type { McpRequestContext } from './mcp-request-context';
import { LOG_LEVELS, SessionLogLevels } from './relay/log-levels';
import { CallRecorder } from './tool-call/call-recorder';
import { agentCanAnswer, refusal, unrecordable, upstreamOptionsFor } from './upstream-request-options';

type Result = Record<string, unknown>;

/** Bound on `input_required` rounds bridged for one request. */
export const MAX_INPUT_ROUNDS = 8;

/**
 * Sends an agent's request upstream (with its cancellation, progress and server-request relays)
 * and returns the result to answer it with, bridging how the two revisions ask the client for
 * input in the middle of a request:
 * - a 2026-07-28 upstream answers `input_required` (SEP-2322). A 2026 agent gets it unchanged
 *   and retries by itself. A 2025 agent cannot: warden asks it each embedded request on its
 *   stream, as its revision's server-to-client requests, and retries the upstream with the answers.
 * - a 2025 upstream sends server-to-client requests while it works. A 2025 agent is asked on its
 *   stream. A 2026 agent is answered `input_required` with warden's own `requestState`, the
 *   upstream's request is parked, and the agent's retry (a new, governed request) resumes it.
 */
@Injectable()
export class UpstreamCaller {
  private readonly parked = new ParkedCalls();
  private readonly parkTtlMs: number;

  constructor(
    private readonly upstreams: UpstreamPool,
    @Inject(WARDEN_CONFIG) config: WardenConfig,
    private readonly logLevels: SessionLogLevels,
    private readonly recorder: CallRecorder,
  ) {
    this.parkTtlMs = config.upstreamTimeoutMs;
  }

  /**
   * @param headers headers of this request besides the session's (`Mcp-Param-*` of a 2026-07-28 tools/call)
   * The log messages relayed to the agent about the request are recorded with it, once, behind its answer.
   */
  async call(ctx: McpRequestContext, target: UpstreamTarget, method: string, params: Result, headers?: Record<string, string>): Promise<Result> {
    const logged: Record<string, unknown>[] = [];
    try {
      return await this.relay(ctx, target, method, params, headers, (message) => logged.push(message));
    } finally {
      if (logged.length > 0) this.recordLogs(ctx, target, method, logged);
    }
  }

  /** Whether this agent's requests to the target go on an upstream session of its own (UpstreamPool.entryFor). */
  ownsUpstreamSession(ctx: McpRequestContext, target: UpstreamTarget): Promise<boolean> {
    return this.upstreams.ownsSession(target, upstreamOptionsFor(ctx, undefined));
  }

  private recordLogs(ctx: McpRequestContext, target: UpstreamTarget, method: string, messages: Record<string, unknown>[]): void {
    const levels = new Set(messages.map((m) => (m.params as { level?: string }).level));
    this.recorder.logRelayed(
      ctx.agent.orgId,
      { kind: 'agent', id: ctx.agent.agentId },
      {
        agentId: ctx.agent.agentId,
        serverId: target.serverId,
        method,
        requestId: String(ctx.requestId),
        endpoint: ctx.endpoint,
        count: messages.length,
        levels: LOG_LEVELS.filter((l) => levels.has(l)),
      },
      messages.map((m) => m.params ?? null),
    );
  }

  private async relay(ctx: McpRequestContext, target: UpstreamTarget, method: string, params: Result, headers: Record<string, string> | undefined, onLog: (message: Result) => void): Promise<Result> {
    if (ParkedCalls.isToken(params.requestState)) return this.resume(ctx, method, params);
    const options = { ...upstreamOptionsFor(ctx, params, { sessionLevel: this.logLevels.get(ctx.sessionId), onRelayed: onLog }), headers };
    if (ctx.stateless) {
      const parked = new ParkedCall(ctx.agent.agentId, method, targetOf(method, params));
      options.onServerRequest = (request) =>
        agentCanAnswer(ctx, request.method) ? Promise.resolve(unrecordable(request) ?? parked.ask(request)) : Promise.resolve(refusal(request.method));
      parked.attach(this.upstreams.request(target, method, params, options));
      return this.drive(parked);
    }
    let result = await this.upstreams.request(target, method, params, options);
    for (let round = 1; result.resultType === 'input_required'; round++) {
      if (round > MAX_INPUT_ROUNDS) {
        throw new WardenError('upstream', 'UPSTREAM.INPUT_ROUNDS_EXCEEDED', `the upstream still wanted input after ${MAX_INPUT_ROUNDS} rounds`);
      }
      const inputResponses: Result = {};
      for (const [key, request] of Object.entries(inputRequestsOf(result))) {
        const answer: UpstreamAnswer = await options.onServerRequest!(request);
        if ('error' in answer) {
          throw new WardenError('upstream', 'UPSTREAM.INPUT_NOT_PROVIDED', `the agent did not answer ${request.method}`, { agentError: answer.error });
        }
        inputResponses[key] = answer.result;
      }
      const requestState = typeof result.requestState === 'string' ? { requestState: result.requestState } : {};
      result = await this.upstreams.request(target, method, { ...params, inputResponses, ...requestState }, options);
    }
    return result;
  }

  /** A 2026 agent's retry of a parked request: its inputResponses answer the upstream's asks. */
  private async resume(ctx: McpRequestContext, method: string, params: Result): Promise<Result> {
    const parked = this.parked.take(params.requestState as string, ctx.agent.agentId, method, targetOf(method, params));
    if (!parked) {
      throw new WardenError('bad_request', 'EDGE.UNKNOWN_REQUEST_STATE', 'requestState is unknown, expired, or belongs to another request');
    }
    parked.answer(params.inputResponses);
    return this.drive(parked);
  }

  private async drive(parked: ParkedCall): Promise<Result> {
    const step = await parked.next();
    if (step.kind === 'result') return step.result;
    this.parked.keep(parked, this.parkTtlMs);
    return { resultType: 'input_required', inputRequests: step.inputRequests, requestState: parked.token };
  }
}

const targetOf = (method: string, params: Result): string | null => {
  const value = mcpNameOf(method, params)?.value;
  return typeof value === 'string' ? value : null;
};

function inputRequestsOf(result: Result): Record<string, { method: string; params?: Result }> {
  const requests = result.inputRequests;
  if (requests === undefined) return {};
  const valid =
    typeof requests === 'object' &&
    requests !== null &&
    Object.values(requests).every((r) => typeof r === 'object' && r !== null && typeof (r as { method?: unknown }).method === 'string');
  if (!valid) throw new WardenError('upstream', 'UPSTREAM.BAD_RESPONSE', 'the upstream answered something that is not MCP');
  return requests as Record<string, { method: string; params?: Result }>;
}
