import type { UpstreamRequestOptions } from '../upstream/upstream-session';
import type { McpRequestContext } from './mcp-request-context';

/**
 * How a request the agent made travels upstream: with the agent's cancellation, and relaying
 * back only the progress notifications that carry the agent's own progress token (the upstream
 * sees the token as the agent sent it; `_meta` is forwarded intact).
 */
export function upstreamOptionsFor(ctx: McpRequestContext, params: Record<string, unknown> | undefined): UpstreamRequestOptions {
  const token = (params?._meta as { progressToken?: unknown } | undefined)?.progressToken;
  const notify = ctx.notify;
  if (notify === undefined || (typeof token !== 'string' && typeof token !== 'number')) return { signal: ctx.signal };
  return {
    signal: ctx.signal,
    onNotification: (message) => {
      const progress = message.params as { progressToken?: unknown } | undefined;
      if (message.method === 'notifications/progress' && progress?.progressToken === token) notify(message);
    },
  };
}
