import { randomBytes } from 'node:crypto';
import type { UpstreamAnswer } from '../../upstream/upstream-session';

type Result = Record<string, unknown>;
type ServerRequest = { method: string; params?: Result };

/** What to answer the agent's request with next. */
export type ParkedCallStep = { kind: 'result'; result: Result } | { kind: 'input'; inputRequests: Record<string, ServerRequest> };

const TOKEN_PREFIX = 'warden-park:';

/**
 * A 2025 upstream's request kept open while a 2026-07-28 agent answers what the upstream asked
 * of it. The upstream asks with server-to-client requests in the middle of its work; the agent's
 * revision has none, so warden answers the agent `input_required` (the asks as `inputRequests`,
 * its own `requestState`) and holds the upstream's request until the agent retries with
 * `inputResponses`. Bound to the agent and the request it made; lives in this process only.
 */
export class ParkedCall {
  readonly token = `${TOKEN_PREFIX}${randomBytes(18).toString('base64url')}`;
  private readonly asked = new Map<string, { request: ServerRequest; resolve: (answer: UpstreamAnswer) => void; sent: boolean }>();
  private nextKey = 1;
  private wake: (() => void) | undefined;
  private settled: { ok: true; result: Result } | { ok: false; error: unknown } | undefined;

  constructor(
    readonly agentId: string,
    readonly method: string,
    readonly target: string | null,
  ) {}

  /** The upstream's request in flight; its outcome ends the call. */
  attach(result: Promise<Result>): void {
    result.then(
      (value) => this.settle({ ok: true, result: value }),
      (error: unknown) => this.settle({ ok: false, error }),
    );
  }

  /** Called when the upstream asks something of the client: answered once the agent retries. */
  ask(request: ServerRequest): Promise<UpstreamAnswer> {
    return new Promise((resolve) => {
      this.asked.set(`r${this.nextKey++}`, { request, resolve, sent: false });
      this.wake?.();
    });
  }

  /** Hands the agent's inputResponses to the asks they answer; an ask left unanswered gets an error. */
  answer(inputResponses: unknown): void {
    const responses = typeof inputResponses === 'object' && inputResponses !== null ? (inputResponses as Result) : {};
    for (const [key, ask] of this.asked) {
      if (!ask.sent) continue;
      const response = responses[key];
      const valid = typeof response === 'object' && response !== null && !Array.isArray(response);
      ask.resolve(valid ? { result: response as Result } : { error: { code: -32602, message: `no input response for ${ask.request.method}` } });
      this.asked.delete(key);
    }
  }

  /** Waits for the upstream's result, or for asks not yet put to the agent. */
  async next(): Promise<ParkedCallStep> {
    for (;;) {
      const fresh = [...this.asked].filter(([, ask]) => !ask.sent);
      if (fresh.length > 0) {
        for (const [, ask] of fresh) ask.sent = true;
        return { kind: 'input', inputRequests: Object.fromEntries(fresh.map(([key, ask]) => [key, ask.request])) };
      }
      if (this.settled) {
        if (this.settled.ok) return { kind: 'result', result: this.settled.result };
        throw this.settled.error;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  /** Refuses every ask still open (the agent never came back). */
  abandon(): void {
    for (const ask of this.asked.values()) ask.resolve({ error: { code: -32001, message: 'the agent did not answer in time' } });
    this.asked.clear();
  }

  private settle(outcome: NonNullable<ParkedCall['settled']>): void {
    this.settled = outcome;
    this.wake?.();
  }
}

/** The calls parked in this process, by token; each expires if the agent does not come back. */
export class ParkedCalls {
  private readonly calls = new Map<string, { call: ParkedCall; timer: NodeJS.Timeout }>();

  static isToken(value: unknown): value is string {
    return typeof value === 'string' && value.startsWith(TOKEN_PREFIX);
  }

  keep(call: ParkedCall, ttlMs: number): void {
    this.release(call.token);
    const timer = setTimeout(() => {
      this.calls.delete(call.token);
      call.abandon();
    }, ttlMs);
    timer.unref();
    this.calls.set(call.token, { call, timer });
  }

  /** The parked call for this token, if it is this agent's and the retry is the same request. */
  take(token: string, agentId: string, method: string, target: string | null): ParkedCall | undefined {
    const entry = this.calls.get(token);
    if (!entry || entry.call.agentId !== agentId || entry.call.method !== method || entry.call.target !== target) return undefined;
    this.release(token);
    return entry.call;
  }

  release(token: string): void {
    const entry = this.calls.get(token);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.calls.delete(token);
  }

  get size(): number {
    return this.calls.size;
  }
}
