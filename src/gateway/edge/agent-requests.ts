import type { JsonRpcId } from './jsonrpc';

/** What an agent answered a request warden relayed to it: the JSON-RPC result or error. */
export type AgentAnswer = { result: Record<string, unknown> } | { error: { code: number; message: string; data?: unknown } };

interface Pending {
  resolve(answer: AgentAnswer): void;
}

/**
 * Requests a server makes of the calling agent (sampling, elicitation, roots) that warden relayed
 * on the agent's response stream, waiting for the agent to POST its answer. Ids are warden's own
 * (`warden-<n>`) and an answer is accepted only from the session the request went to.
 */
export class AgentRequests {
  private readonly pending = new Map<string, Pending>();
  private nextId = 1;

  /** Sends the request with `send` and resolves with the agent's answer, or an error answer after `timeoutMs`. */
  ask(sessionId: string, request: { method: string; params?: unknown }, send: (message: Record<string, unknown>) => void, timeoutMs: number): Promise<AgentAnswer> {
    const id = `warden-${this.nextId++}`;
    const key = keyOf(sessionId, id);
    return new Promise<AgentAnswer>((resolve) => {
      const timer = setTimeout(() => settle({ error: { code: -32001, message: 'the agent did not answer in time' } }), timeoutMs);
      const settle = (answer: AgentAnswer) => {
        clearTimeout(timer);
        this.pending.delete(key);
        resolve(answer);
      };
      this.pending.set(key, { resolve: settle });
      send({ jsonrpc: '2.0', id, method: request.method, ...(request.params === undefined ? {} : { params: request.params }) });
    });
  }

  /** Routes an agent's POSTed answer; false when nothing of that session waits for that id. */
  answer(sessionId: string, id: JsonRpcId, message: Record<string, unknown>): boolean {
    const pending = this.pending.get(keyOf(sessionId, id));
    if (!pending) return false;
    pending.resolve(toAnswer(message));
    return true;
  }

  get size(): number {
    return this.pending.size;
  }
}

const keyOf = (sessionId: string, id: JsonRpcId) => `${sessionId} ${typeof id} ${id}`;

function toAnswer(message: Record<string, unknown>): AgentAnswer {
  const error = message.error as { code?: unknown; message?: unknown; data?: unknown } | undefined;
  if (error !== undefined) {
    const valid = error !== null && typeof error.code === 'number' && typeof error.message === 'string';
    return { error: valid ? { code: error.code as number, message: error.message as string, ...(error.data === undefined ? {} : { data: error.data }) } : { code: -32603, message: 'malformed error from the agent' } };
  }
  const result = message.result;
  if (typeof result !== 'object' || result === null || Array.isArray(result)) return { error: { code: -32603, message: 'malformed result from the agent' } };
  return { result: result as Record<string, unknown> };
}
