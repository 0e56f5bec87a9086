/** One server-sent event: its `event` name (default "message") and its `data` lines joined by "\n". */
export interface SseEvent {
  event: string;
  data: string;
}

const LINE_END = /[\r\n]/g;

/**
 * An incremental parser of server-sent events (WHATWG HTML §9.2 parsing rules): text chunks in,
 * the events they complete out, synchronously (no async iteration per chunk on the hot path).
 * Comments are ignored; an event with no data line is not dispatched. The `id` and `retry` fields
 * are kept as the stream's last event id and reconnection time (what a resumption needs); an `id`
 * becomes the last event id only when its event is complete (its blank line), as the spec says: a
 * stream cut off inside event e2 must be resumed after e1, or e2 is lost.
 *
 * Linear in the input: each character is scanned once. A line that has no end yet is kept as its
 * chunks and joined once when its end arrives (a multi-MiB `data:` line in small chunks used to
 * be rescanned from its start on every chunk). A CR ends a line at once; an LF right after it,
 * even in the next chunk, is skipped. Byte chunks are decoded as one UTF-8 stream (a character
 * split across two chunks stays one character; a leading BOM is dropped, as the spec says):
 * undici's response body hands out Buffers even after setEncoding('utf8').
 */
export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  private partial: string[] = [];
  private skipLineFeed = false;
  private event = '';
  private data: string[] = [];
  /** The `id` field of the event being read (the spec's "last event ID buffer"); committed at its blank line. */
  private idBuffer: string | undefined;
  /** The last event id the stream set (an `id` field without NUL; the field empty resets it). */
  lastEventId: string | undefined;
  /** The reconnection time in ms the stream asked for (`retry`), if any. */
  retryMs: number | undefined;
  /** Characters the line-end search has looked at so far (a linearity check for tests and benches). */
  charsScanned = 0;

  push(input: string | Uint8Array): SseEvent[] {
    const chunk = typeof input === 'string' ? input : this.decoder.decode(input, { stream: true });
    const events: SseEvent[] = [];
    let start = 0;
    if (this.skipLineFeed && chunk.length > 0) {
      this.skipLineFeed = false;
      if (chunk.charCodeAt(0) === 10) start = 1;
    }
    while (start < chunk.length) {
      LINE_END.lastIndex = start;
      const found = LINE_END.exec(chunk);
      if (found === null) {
        this.charsScanned += chunk.length - start;
        this.partial.push(chunk.slice(start));
        break;
      }
      const end = found.index;
      this.charsScanned += end + 1 - start;
      const tail = chunk.slice(start, end);
      const line = this.partial.length === 0 ? tail : this.takePartial(tail);
      if (chunk.charCodeAt(end) === 13) {
        if (end + 1 === chunk.length) this.skipLineFeed = true;
        start = chunk.charCodeAt(end + 1) === 10 ? end + 2 : end + 1;
      } else {
        start = end + 1;
      }
      this.line(line, events);
    }
    return events;
  }

  private takePartial(tail: string): string {
    this.partial.push(tail);
    const line = this.partial.join('');
    this.partial = [];
    return line;
  }

  private line(line: string, events: SseEvent[]): void {
    if (line.length === 0) {
      this.lastEventId = this.idBuffer;
      if (this.data.length > 0) events.push({ event: this.event || 'message', data: this.data.join('\n') });
      this.event = '';
      this.data = [];
      return;
    }
    if (line.charCodeAt(0) === 58 /* ':' */) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32 /* ' ' */) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.idBuffer = value === '' ? undefined : value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
  }
}
