import type { JsonRpcId } from './jsonrpc';

/**
 * Requests of 2025-revision sessions still being answered, so that the agent's
 * `notifications/cancelled { requestId }` can abort the one it names (in its own session only).
 */
export class InFlightRequests {
  private readonly requests = new Map<string, AbortController>();

  begin(sessionId: string, id: JsonRpcId, controller: AbortController): () => void {
    const key = keyOf(sessionId, id);
    this.requests.set(key, controller);
    return () => {
      if (this.requests.get(key) === controller) this.requests.delete(key);
    };
  }

  /** True when a request of that session with that id was in flight and is now aborted. */
  cancel(sessionId: string, id: unknown, reason: string): boolean {
    if (typeof id !== 'string' && typeof id !== 'number') return false;
    const controller = this.requests.get(keyOf(sessionId, id));
    if (!controller) return false;
    controller.abort(new Error(reason));
    return true;
  }

  get size(): number {
    return this.requests.size;
  }
}

// JSON-RPC ids 1 and "1" are different requests.
const keyOf = (sessionId: string, id: JsonRpcId) => `${sessionId} ${typeof id} ${id}`;
