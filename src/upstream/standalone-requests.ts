import { ProtocolError, type Client } from '@modelcontextprotocol/client';
import type { UpstreamAnswer, UpstreamRequestOptions } from './upstream-session';

type Relay = NonNullable<UpstreamRequestOptions['onServerRequest']>;

/** The server-to-client requests a client capability lets an upstream make. */
export const SERVER_REQUESTS_OF_CAPABILITY: Readonly<Record<string, string>> = {
  sampling: 'sampling/createMessage',
  elicitation: 'elicitation/create',
  roots: 'roots/list',
};

/**
 * Requests a 2025 upstream makes of the client on its session's standalone GET stream rather
 * than on a request's response stream (the SDK servers do so for `server.createMessage()`,
 * `elicitInput()`, `listRoots()` called without a related request). The SDK client reads that
 * stream; these handlers route each such request to the relay of the newest request still in
 * flight on the session (the upstream gives no other clue which one it works for), and answer
 * "method not found" when none is. Only sessions owned by one agent declare the capabilities
 * (upstream-pool.ts), so every relay here belongs to that agent: nothing crosses agents.
 */
export class StandaloneRequests {
  private readonly inFlight: Relay[] = [];

  /** Handlers for the capabilities the session declared (only those: the SDK refuses others). */
  listenOn(client: Client, capabilities: Record<string, unknown>): void {
    for (const [capability, method] of Object.entries(SERVER_REQUESTS_OF_CAPABILITY)) {
      if (capabilities[capability] === undefined) continue;
      client.setRequestHandler(method as 'sampling/createMessage', async (request) => {
        const params = (request as { params?: Record<string, unknown> }).params;
        const answer = await this.route({ method, ...(params ? { params } : {}) });
        if ('error' in answer) throw new ProtocolError(answer.error.code, answer.error.message, answer.error.data);
        return answer.result as never;
      });
    }
  }

  /** Marks a request in flight with its relay; the returned function ends it. */
  track(relay: Relay | undefined): () => void {
    if (!relay) return () => undefined;
    this.inFlight.push(relay);
    return () => {
      const at = this.inFlight.lastIndexOf(relay);
      if (at >= 0) this.inFlight.splice(at, 1);
    };
  }

  route(request: { method: string; params?: Record<string, unknown> }): Promise<UpstreamAnswer> {
    const relay = this.inFlight[this.inFlight.length - 1];
    if (!relay) return Promise.resolve({ error: { code: -32601, message: `no request of the client is in flight to answer ${request.method}` } });
    return relay(request).catch(() => ({ error: { code: -32603, message: `${request.method} could not be relayed` } }));
  }
}
