import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { WardenError } from '../../common/warden-error';

/** Bounds of what a 2025 session keeps for resumption (README "Resumable streams"). */
export interface ResumableStreamLimits {
  /** POST streams kept per session; beyond it the oldest is forgotten (its resumption is refused). */
  streamsPerSession: number;
  /** Bytes of events kept per stream; beyond it the oldest events are dropped (resuming before them is refused). */
  bytesPerStream: number;
  /** How long a stream is kept once its answer was sent. */
  keepFinishedMs: number;
}

export const RESUMABLE_STREAM_LIMITS: ResumableStreamLimits = { streamsPerSession: 8, bytesPerStream: 1024 * 1024, keepFinishedMs: 60_000 };

interface BufferedEvent {
  seq: number;
  text: string;
}

/** One POST response stream of a 2025 session: its events, kept so that the agent can resume it. */
export class ResumableStream {
  private readonly events: BufferedEvent[] = [];
  private bytes = 0;
  private nextSeq = 0;
  /** The events up to this sequence number are no longer kept. */
  private droppedThrough = -1;
  private sink: ServerResponse | undefined;
  finishedAtMs: number | undefined;

  constructor(
    readonly key: string,
    private readonly limits: ResumableStreamLimits,
    private readonly now: () => number,
  ) {}

  /** Writes an event (a JSON-RPC message, or empty data: the priming event) with its id, kept for resumption. */
  write(message: Record<string, unknown> | undefined): void {
    const seq = this.nextSeq++;
    const text = `id: ${this.key}.${seq}\n${message === undefined ? 'data: ' : `event: message\ndata: ${JSON.stringify(message)}`}\n\n`;
    this.events.push({ seq, text });
    this.bytes += text.length;
    while (this.bytes > this.limits.bytesPerStream && this.events.length > 1) {
      const dropped = this.events.shift()!;
      this.bytes -= dropped.text.length;
      this.droppedThrough = dropped.seq;
    }
    if (this.sink && !this.sink.destroyed) this.sink.write(text);
  }

  /** The answer: the stream's last event; the connection carrying it ends. */
  finish(message: Record<string, unknown>): void {
    this.write(message);
    this.finishedAtMs = this.now();
    this.sink?.end();
    this.sink = undefined;
  }

  /** Serves the stream on `sink` (the POST's own response, or a resuming GET's). */
  attach(sink: ServerResponse): void {
    if (this.sink && this.sink !== sink) this.sink.end();
    this.sink = sink;
    sink.once('close', () => {
      if (this.sink === sink) this.sink = undefined;
    });
  }

  /** Ends the connection without ending the stream: the agent resumes it later (`retry` tells it when). */
  release(retryMs: number): void {
    const sink = this.sink;
    this.sink = undefined;
    if (sink && !sink.destroyed) sink.end(`retry: ${retryMs}\n\n`);
  }

  /** Whether every event after `seq` is still kept (and `seq` is one of this stream's). */
  canResume(seq: number): boolean {
    return seq >= this.droppedThrough && seq < this.nextSeq;
  }

  /** Replays on `sink` the events after `seq`, then goes on there (or ends it, when the answer was sent). */
  replay(seq: number, sink: ServerResponse): void {
    for (const event of this.events) if (event.seq > seq) sink.write(event.text);
    if (this.finishedAtMs !== undefined) sink.end();
    else this.attach(sink);
  }

  get connected(): boolean {
    return this.sink !== undefined && !this.sink.destroyed;
  }

  close(): void {
    this.sink?.end();
    this.sink = undefined;
  }
}

/**
 * The POST response streams of 2025-revision sessions, kept so that an agent whose stream ended
 * before its answer (warden closed it, or the connection broke) can GET it back with
 * `Last-Event-ID` (Streamable HTTP 2025-11-25, "Resumability and Redelivery"). Event ids are
 * `<stream key>.<n>`: the key is random (96 bits) and looked up within the session only, so an id
 * of another session's stream, or of another stream, never replays anything.
 */
export class ResumableStreams {
  private readonly sessions = new Map<string, Map<string, ResumableStream>>();

  constructor(
    private readonly limits: ResumableStreamLimits = RESUMABLE_STREAM_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  begin(sessionId: string): ResumableStream {
    let streams = this.sessions.get(sessionId);
    if (!streams) this.sessions.set(sessionId, (streams = new Map()));
    this.pruneFinished(streams);
    // Insertion order is age: the oldest go first, finished or not.
    while (streams.size >= this.limits.streamsPerSession) {
      const oldest = streams.keys().next().value as string;
      streams.get(oldest)!.close();
      streams.delete(oldest);
    }
    const stream = new ResumableStream(randomBytes(12).toString('base64url'), this.limits, this.now);
    streams.set(stream.key, stream);
    return stream;
  }

  /**
   * A GET with `Last-Event-ID`: the events of that stream after that id, on the response `open`
   * starts (called only once the id is known good), and the stream goes on there. Refused (400
   * EDGE.STREAM_UNKNOWN) for an id that is not one of this session's streams, or whose events are
   * no longer all kept: nothing of another stream is ever sent.
   */
  resume(sessionId: string, lastEventId: string, open: () => ServerResponse): void {
    const match = /^([A-Za-z0-9_-]{16})\.(\d{1,9})$/.exec(lastEventId);
    const streams = this.sessions.get(sessionId);
    if (streams) this.pruneFinished(streams);
    const stream = match ? streams?.get(match[1]) : undefined;
    if (!stream) throw new WardenError('bad_request', 'EDGE.STREAM_UNKNOWN', 'Last-Event-ID names no stream of this session (or one no longer kept)');
    const seq = Number(match![2]);
    if (!stream.canResume(seq)) {
      throw new WardenError('bad_request', 'EDGE.STREAM_UNKNOWN', 'the events after this Last-Event-ID are no longer all kept; the request cannot be resumed');
    }
    stream.replay(seq, open());
  }

  /** Forgets a session's streams (the session ended). */
  drop(sessionId: string): void {
    for (const stream of this.sessions.get(sessionId)?.values() ?? []) stream.close();
    this.sessions.delete(sessionId);
  }

  /** Forgets the streams of every session `alive` says has ended. */
  retainSessions(alive: (sessionId: string) => boolean): void {
    for (const sessionId of [...this.sessions.keys()]) if (!alive(sessionId)) this.drop(sessionId);
  }

  closeAll(): void {
    for (const sessionId of [...this.sessions.keys()]) this.drop(sessionId);
  }

  /** Streams kept, over every session. */
  get size(): number {
    let n = 0;
    for (const streams of this.sessions.values()) n += streams.size;
    return n;
  }

  private pruneFinished(streams: Map<string, ResumableStream>): void {
    const now = this.now();
    for (const [key, stream] of streams) {
      if (stream.finishedAtMs !== undefined && now - stream.finishedAtMs > this.limits.keepFinishedMs) streams.delete(key);
    }
  }
}
