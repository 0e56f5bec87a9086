import type { Client } from '@modelcontextprotocol/client';
import { z } from 'zod';
import { ProgressHops } from './progress-hops';
import { UpstreamExchangeError } from './upstream-errors';
import type { UpstreamRequestOptions } from './upstream-session';

/** Any JSON-RPC result, relayed unchanged. */
const AnyResult = z.looseObject({});

type Message = Record<string, unknown>;

/**
 * Progress routing for sessions whose requests go through an SDK client (the deprecated HTTP+SSE
 * transport): progress arrives on one shared channel, so it is routed by hop token
 * (progress-hops.ts). (The SDK's own `onprogress` does not work over SSE: 2.4.0 reports "unknown token".)
 */
export class ProgressRoutes {
  private readonly hops = new ProgressHops();

  /** Routes the progress notifications this client receives (call once per client). */
  listenOn(client: Client): void {
    client.setNotificationHandler('notifications/progress', (notification) => this.hops.deliver(notification as unknown as Message));
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
    const hop = this.hops.open(params, options.onNotification);
    try {
      const result = await client.request({ method, params: hop.params } as never, AnyResult, { timeout: options.timeoutMs, signal: options.signal });
      return result as Record<string, unknown>;
    } catch (error) {
      if (options.signal?.aborted) throw new UpstreamExchangeError('cancelled', 'cancelled by the caller');
      throw explain(error);
    } finally {
      hop.close();
    }
  }
}
