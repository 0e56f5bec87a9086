import { WardenError } from '../common/warden-error';
import type { UpstreamPool, UpstreamTarget } from '../upstream/upstream-pool';
import type { McpRequestContext } from './mcp-request-context';
import { upstreamOptionsFor } from './upstream-request-options';

type Result = Record<string, unknown>;

/** Bound on `input_required` rounds bridged for one request. */
export const MAX_INPUT_ROUNDS = 8;

/**
 * Sends an agent's request upstream (with its cancellation, progress and server-request relays)
 * and returns the result to answer it with. A 2026-07-28 upstream that needs input from the
 * client answers `input_required` (SEP-2322 multi-round-trip). A 2026-07-28 agent gets that
 * result as it is and retries by itself (each retry a new, governed request). A 2025 agent
 * cannot retry that way: warden asks it each embedded request on its stream, as the
 * server-to-client requests of its revision, and retries the upstream with the answers.
 */
export async function callUpstream(upstreams: UpstreamPool, ctx: McpRequestContext, target: UpstreamTarget, method: string, params: Result): Promise<Result> {
  const options = upstreamOptionsFor(ctx, params);
  let result = await upstreams.request(target, method, params, options);
  for (let round = 1; result.resultType === 'input_required' && !ctx.stateless; round++) {
    if (round > MAX_INPUT_ROUNDS) {
      throw new WardenError('upstream', 'UPSTREAM.INPUT_ROUNDS_EXCEEDED', `the upstream still wanted input after ${MAX_INPUT_ROUNDS} rounds`);
    }
    const inputResponses: Result = {};
    for (const [key, request] of Object.entries(inputRequestsOf(result))) {
      const answer = await options.onServerRequest!(request);
      if ('error' in answer) {
        throw new WardenError('upstream', 'UPSTREAM.INPUT_NOT_PROVIDED', `the agent did not answer ${request.method}`, { agentError: answer.error });
      }
      inputResponses[key] = answer.result;
    }
    const requestState = typeof result.requestState === 'string' ? { requestState: result.requestState } : {};
    result = await upstreams.request(target, method, { ...params, inputResponses, ...requestState }, options);
  }
  return result;
}

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
