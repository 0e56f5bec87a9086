type Message = Record<string, unknown>;

/**
 * Progress on a channel shared by many requests (a stdio child's stdout, an HTTP+SSE stream): each
 * request that wants progress gets a hop token of warden's own (two agents may both use token 1),
 * and what arrives with that token goes to that request's listener, mapped back to the agent's token.
 */
export class ProgressHops {
  private readonly routes = new Map<string, (notification: Message) => void>();
  private nextToken = 1;

  /**
   * The params to send for a request, with a hop token in place of the agent's (when the agent
   * asked for progress and the caller listens), and `close` to call once the request is over.
   */
  open(params: Record<string, unknown> | undefined, onNotification: ((message: Message) => void) | undefined): { params: Record<string, unknown> | undefined; close: () => void } {
    const meta = params?._meta as { progressToken?: unknown } | undefined;
    const agentToken = meta?.progressToken;
    if (!onNotification || agentToken === undefined) return { params, close: () => undefined };
    const hopToken = `warden-${this.nextToken++}`;
    this.routes.set(hopToken, (n) => onNotification({ jsonrpc: '2.0', ...n, params: { ...(n.params as Message), progressToken: agentToken } }));
    return { params: { ...params, _meta: { ...meta, progressToken: hopToken } }, close: () => this.routes.delete(hopToken) };
  }

  /** A `notifications/progress` that arrived: to the request its hop token names (none: dropped). */
  deliver(notification: Message): void {
    const token = (notification.params as { progressToken?: unknown } | undefined)?.progressToken;
    if (typeof token === 'string') this.routes.get(token)?.(notification);
  }
}
