/** One server-sent event: its `event` name (default "message") and its `data` lines joined by "\n". */
export interface SseEvent {
  event: string;
  data: string;
}

/**
 * An incremental parser of server-sent events (WHATWG HTML §9.2 parsing rules): text chunks in,
 * the events they complete out, synchronously (no async iteration per chunk on the hot path).
 * Comments, `id` and `retry` fields are ignored; an event with no data line is not dispatched.
 */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];

  push(chunk: string): SseEvent[] {
    const events: SseEvent[] = [];
    this.buffer += chunk;
    let start = 0;
    for (;;) {
      const end = lineEnd(this.buffer, start);
      if (end < 0) break;
      const line = this.buffer.slice(start, end);
      start = this.buffer[end] === '\r' && this.buffer[end + 1] === '\n' ? end + 2 : end + 1;
      if (line.length === 0) {
        if (this.data.length > 0) events.push({ event: this.event || 'message', data: this.data.join('\n') });
        this.event = '';
        this.data = [];
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'data') this.data.push(value);
        else if (field === 'event') this.event = value;
      }
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }
}

/** Index of the next CR or LF from `from`, or -1; a CR as the buffer's last char waits for more (it may start a CRLF). */
function lineEnd(buffer: string, from: number): number {
  for (let i = from; i < buffer.length; i++) {
    const c = buffer.charCodeAt(i);
    if (c === 10) return i;
    if (c === 13) return i + 1 < buffer.length ? i : -1;
  }
  return -1;
}
