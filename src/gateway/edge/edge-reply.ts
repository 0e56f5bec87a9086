import type { FastifyReply } from 'fastify';

/**
 * The answer to one MCP POST: plain JSON, unless notifications about the request (progress) are
 * sent ahead of it — then the response turns into an SSE stream on the first one, and the answer
 * is its last event. Both MCP eras' clients accept either form.
 */
export class EdgeReply {
  private streaming = false;

  constructor(readonly reply: FastifyReply) {}

  notify(message: Record<string, unknown>): void {
    if (!this.streaming) {
      if (this.reply.sent || this.reply.raw.destroyed) return;
      this.reply.hijack();
      const headers = { ...this.reply.getHeaders(), 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform' };
      this.reply.raw.writeHead(200, headers as Record<string, string>);
      this.streaming = true;
    }
    if (!this.reply.raw.destroyed) this.reply.raw.write(sseEvent(message));
  }

  /** The JSON-RPC answer; `status` applies only while the response is still plain JSON. */
  send(status: number, message: Record<string, unknown>): void {
    if (this.streaming) {
      if (!this.reply.raw.destroyed) this.reply.raw.end(sseEvent(message));
      return;
    }
    this.reply.code(status).header('content-type', 'application/json').send(JSON.stringify(message));
  }
}

const sseEvent = (message: Record<string, unknown>) => `event: message\ndata: ${JSON.stringify(message)}\n\n`;
