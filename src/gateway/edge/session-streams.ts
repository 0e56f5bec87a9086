import type { FastifyReply } from 'fastify';

const KEEP_ALIVE_MS = 25_000;

interface OpenStream {
  reply: FastifyReply;
  keepAlive: NodeJS.Timeout;
}

/**
 * The standalone SSE streams of 2025-revision sessions (an agent's `GET /mcp…` with its session
 * id): where warden sends what concerns the session but answers no request of it, such as
 * `notifications/tools/list_changed`. One stream per session; a newer GET replaces the older.
 */
export class SessionStreams {
  private readonly streams = new Map<string, OpenStream>();

  open(sessionId: string, reply: FastifyReply): void {
    this.close(sessionId);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', 'mcp-session-id': sessionId });
    raw.write(': warden session stream\n\n');
    const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    keepAlive.unref();
    const stream = { reply, keepAlive };
    this.streams.set(sessionId, stream);
    raw.once('close', () => {
      clearInterval(keepAlive);
      if (this.streams.get(sessionId) === stream) this.streams.delete(sessionId);
    });
  }

  /** Sends a message on the session's stream; false when it has none. */
  send(sessionId: string, message: Record<string, unknown>): boolean {
    const stream = this.streams.get(sessionId);
    if (!stream || stream.reply.raw.destroyed) return false;
    stream.reply.raw.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
    return true;
  }

  close(sessionId: string): void {
    const stream = this.streams.get(sessionId);
    if (!stream) return;
    this.streams.delete(sessionId);
    clearInterval(stream.keepAlive);
    stream.reply.raw.end();
  }

  closeAll(): void {
    for (const sessionId of [...this.streams.keys()]) this.close(sessionId);
  }

  sessionIds(): string[] {
    return [...this.streams.keys()];
  }
}
