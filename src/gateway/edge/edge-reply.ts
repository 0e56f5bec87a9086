import type { FastifyReply } from 'fastify';
import type { ResumableStream } from './resumable-streams';

/** How the answer of a 2025 session's request is kept for resumption, once it turns into a stream. */
export interface Resumption {
  begin(): ResumableStream;
  /** 2025-11-25: the stream opens with a priming event (an id, empty data), so the agent can resume even before any message. */
  priming: boolean;
}

/**
 * The answer to one MCP POST: plain JSON, unless notifications about the request (progress) are
 * sent ahead of it — then the response turns into an SSE stream on the first one, and the answer
 * is its last event. Both MCP eras' clients accept either form. On a 2025 session the stream's
 * events carry ids and are kept (resumable-streams.ts): the agent can resume it with Last-Event-ID.
 */
export class EdgeReply {
  private streaming = false;
  private resumption: Resumption | undefined;
  private stream: ResumableStream | undefined;

  constructor(readonly reply: FastifyReply) {}

  /** Makes the stream this answer may turn into resumable (2025 sessions). */
  resumable(resumption: Resumption): void {
    this.resumption = resumption;
  }

  notify(message: Record<string, unknown>): void {
    if (!this.streaming && !this.startStreaming()) return;
    if (this.stream) this.stream.write(message);
    else if (!this.reply.raw.destroyed) this.reply.raw.write(sseEvent(message));
  }

  /** The JSON-RPC answer; `status` applies only while the response is still plain JSON. */
  send(status: number, message: Record<string, unknown>): void {
    if (this.streaming) {
      if (this.stream) this.stream.finish(message);
      else if (!this.reply.raw.destroyed) this.reply.raw.end(sseEvent(message));
      return;
    }
    this.reply.code(status).header('content-type', 'application/json').send(JSON.stringify(message));
  }

  /**
   * Ends the connection before the answer, keeping the stream: the agent comes back with
   * Last-Event-ID after `retryMs` (2025-11-25 lets a server close a primed stream at any time).
   * Does nothing unless the answer can be resumed with a priming event.
   */
  pollLater(retryMs: number): void {
    if (!this.resumption?.priming) return;
    if (!this.streaming && !this.startStreaming()) return;
    this.stream?.release(retryMs);
  }

  /** True once the answer travels on a resumable stream: a broken connection then does not end the request (the agent may resume). */
  get resumableStreaming(): boolean {
    return this.stream !== undefined;
  }

  private startStreaming(): boolean {
    if (this.reply.sent || this.reply.raw.destroyed) return false;
    this.reply.hijack();
    const headers = { ...this.reply.getHeaders(), 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform' };
    this.reply.raw.writeHead(200, headers as Record<string, string>);
    this.streaming = true;
    if (this.resumption) {
      this.stream = this.resumption.begin();
      this.stream.attach(this.reply.raw);
      if (this.resumption.priming) this.stream.write(undefined);
    }
    return true;
  }
}

const sseEvent = (message: Record<string, unknown>) => `event: message\ndata: ${JSON.stringify(message)}\n\n`;
