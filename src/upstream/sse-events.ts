/** One server-sent event: its `event` name (default "message") and its `data` lines joined by "\n". */
export interface SseEvent {
  event: string;
  data: string;
}

/**
 * Server-sent events (WHATWG HTML §9.2 parsing rules) from a stream of text chunks, yielded as each
 * event completes, so a reader can stop at the one it waits for. Comments, `id` and `retry`
 * fields are ignored; an event with no data line is not dispatched.
 */
export async function* sseEvents(chunks: AsyncIterable<string>): AsyncGenerator<SseEvent> {
  let buffer = '';
  let event = '';
  let data: string[] = [];
  for await (const chunk of chunks) {
    buffer += chunk;
    let start = 0;
    for (;;) {
      const end = lineEnd(buffer, start);
      if (end < 0) break;
      const line = buffer.slice(start, end);
      // A CR at the very end of the buffer may be half of a CRLF: the next chunk decides.
      start = buffer[end] === '\r' && buffer[end + 1] === '\n' ? end + 2 : end + 1;
      if (line.length === 0) {
        if (data.length > 0) yield { event: event || 'message', data: data.join('\n') };
        event = '';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
    }
    buffer = buffer.slice(start);
  }
}

/** Index of the next CR or LF from `from`, or -1; a CR as the buffer's last char waits for more. */
function lineEnd(buffer: string, from: number): number {
  for (let i = from; i < buffer.length; i++) {
    const c = buffer.charCodeAt(i);
    if (c === 10) return i;
    if (c === 13) return i + 1 < buffer.length ? i : -1;
  }
  return -1;
}
