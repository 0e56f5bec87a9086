import type { Client } from '@modelcontextprotocol/client';
import { z } from 'zod';
import { UpstreamExchangeError } from './upstream-errors';
import type { UpstreamRequestOptions } from './upstream-session';

/** Any JSON-RPC result, relayed unchanged. */
const AnyResult = z.looseObject({});

type Message = Record<string, unknown>;

/**
 * Progress routing for sessions whose requests go through an SDK client (the deprecated HTTP+SSE
 * transport, stdio children): progress arrives on one shared channel, so each request that wants
 * it gets a hop token of warden's own (two agents may both use token 1), mapped back to the
 * agent's. (The SDK's own `onprogress` does not work over SSE: 2.4.0 reports "unknown token".)
 */
export class ProgressRoutes {
  private readonly routes = new Map<string, (notification: Message) => void>();
  private nextToken = 1;

  /** Routes the progress notifications this client receives (call once per client). */
  listenOn(client: Client): void {
    client.setNotificationHandler('notifications/progress', (notification) => {
      const token = (notification.params as { progressToken?: unknown }).progressToken;
      if (typeof token === 'string') this.routes.get(token)?.(notification as unknown as Message);
    });
  }

  /**
   * One request through the client; `explain` turns an SDK failure into its real cause. A
   * cancelled request is reported as such (the SDK client has told the upstream, notifications/cancelled).
   */
  async request(
    client: Client,
    method: string,
    params: Record<string, unknown> | undefined,
    options: UpstreamRequestOptions & { timeoutMs: number },
    explain: (error: unknown) => unknown = (error) => error,
  ): Promise<Record<string, unknown>> {
    const meta = params?._meta as { progressToken?: unknown } | undefined;
    const agentToken = meta?.progressToken;
    const onNotification = options.onNotification;
    let hopToken: string | undefined;
    if (onNotification && agentToken !== undefined) {
      hopToken = `warden-${this.nextToken++}`;
      this.routes.set(hopToken, (n) => onNotification({ jsonrpc: '2.0', ...n, params: { ...(n.params as Message), progressToken: agentToken } }));
    }
    const sent = hopToken ? { ...params, _meta: { ...meta, progressToken: hopToken } } : params;
    try {
      const result = await client.request({ method, params: sent } as never, AnyResult, { timeout: options.timeoutMs, signal: options.signal });
      return result as Record<string, unknown>;
    } catch (error) {
      if (options.signal?.aborted) throw new UpstreamExchangeError('cancelled', 'cancelled by the caller');
      throw explain(error);
    } finally {
      if (hopToken) this.routes.delete(hopToken);
    }
  }
}
