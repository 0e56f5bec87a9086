import { SseParser, type SseEvent } from './sse-events';

async function collect(chunks: string[]): Promise<SseEvent[]> {
  const parser = new SseParser();
  return chunks.flatMap((chunk) => parser.push(chunk));
}

describe('SseParser', () => {
  it('parses the SDK servers’ framing', async () => {
    expect(await collect(['event: message\ndata: {"id":1}\n\n'])).toEqual([{ event: 'message', data: '{"id":1}' }]);
  });

  it('joins data lines, ignores comments, id and retry, defaults the event name', async () => {
    const events = await collect([': keep-alive\nid: 7\nretry: 10\ndata: a\ndata:b\n\n']);
    expect(events).toEqual([{ event: 'message', data: 'a\nb' }]);
  });

  it('keeps the last event id and the retry the stream set (a field without value resets the id, NUL is ignored)', () => {
    const parser = new SseParser();
    parser.push('id: a1\nretry: 250\ndata: \n\n');
    expect(parser).toMatchObject({ lastEventId: 'a1', retryMs: 250 });
    parser.push('id: b\0c\nretry: soon\ndata: x\n\n');
    expect(parser).toMatchObject({ lastEventId: 'a1', retryMs: 250 });
    parser.push('id\ndata: y\n\n');
    expect(parser.lastEventId).toBeUndefined();
  });

  it('makes an id the last event id only when its event is complete (a stream cut off inside an event resumes before it)', () => {
    const parser = new SseParser();
    parser.push('id: e1\ndata: \n\nid: e2\ndata: {"jsonrpc":"2.0","id":7,"re');
    expect(parser.lastEventId).toBe('e1');
    parser.push('sult":{}}\n');
    expect(parser.lastEventId).toBe('e1');
    parser.push('\n');
    expect(parser.lastEventId).toBe('e2');
    parser.push('data: no id of its own\n\n');
    expect(parser.lastEventId).toBe('e2');
  });

  it('handles CRLF and CR line endings, even split across chunks', async () => {
    const events = await collect(['data: one\r', '\n\r', '\ndata: two\r\r', 'data: three\n', '\n']);
    expect(events.map((e) => e.data)).toEqual(['one', 'two', 'three']);
  });

  it('reassembles an event split mid-line and yields it only when its blank line arrives', async () => {
    const events = await collect(['da', 'ta: {"jsonrpc":"2.0",', '"id":2}\n', '\n']);
    expect(events).toEqual([{ event: 'message', data: '{"jsonrpc":"2.0","id":2}' }]);
  });

  it('does not dispatch an event without data, nor an unterminated last event', async () => {
    expect(await collect(['event: ping\n\ndata: cut off'])).toEqual([]);
  });
});

/** A JSON-RPC answer of about `bytes` characters, as an SSE event of the SDK servers' framing. */
function bigEvent(bytes: number): { wire: string; data: string } {
  const text = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(Math.ceil(bytes / 36)).slice(0, bytes);
  const data = JSON.stringify({ jsonrpc: '2.0', id: 9, result: { content: [{ type: 'text', text }] } });
  return { wire: `event: message\ndata: ${data}\n\n`, data };
}

function chunked(text: string, size: number): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
  return chunks;
}

describe('SseParser on large events', () => {
  const { wire, data } = bigEvent(4 * 1024 * 1024);

  it.each([64, 16 * 1024])('parses a 4 MiB event in %i-character chunks to the same data', (size) => {
    const parser = new SseParser();
    const events = chunked(wire, size).flatMap((chunk) => parser.push(chunk));
    expect(events).toHaveLength(1);
    expect(events[0].event).toBe('message');
    expect(events[0].data.length).toBe(data.length);
    expect(events[0].data === data).toBe(true);
  });

  it('scans each character once: the work is linear in the input, not in chunks × line length', () => {
    const small = bigEvent(64 * 1024).wire;
    const parser = new SseParser();
    for (const chunk of chunked(small, 64)) parser.push(chunk);
    // the old parser rescanned the unterminated line from its start on every chunk: ~n²/128 characters
    expect(parser.charsScanned).toBeLessThanOrEqual(small.length);
  });

  it('keeps CRLF split across chunks as one line end', () => {
    const events = new SseParser();
    const out = ['data: a\r', '\ndata: b\r', '\n\r', '\n'].flatMap((chunk) => events.push(chunk));
    expect(out).toEqual([{ event: 'message', data: 'a\nb' }]);
  });

  it('ends a line at a CR at a chunk end, and a following non-LF chunk starts a new line', () => {
    const parser = new SseParser();
    const out = ['data: x\r', 'data: y\r', '\r', 'event: second\r', 'data: z\r\r'].flatMap((chunk) => parser.push(chunk));
    expect(out).toEqual([
      { event: 'message', data: 'x\ny' },
      { event: 'second', data: 'z' },
    ]);
  });

  it('does not take an empty chunk after a CR for the end of the CRLF', () => {
    const parser = new SseParser();
    const out = ['data: a\r', '', '\n', '\n'].flatMap((chunk) => parser.push(chunk));
    expect(out).toEqual([{ event: 'message', data: 'a' }]);
  });

  it('joins multi-line data split anywhere, one character at a time', () => {
    const wireText = 'event: note\r\ndata: first\r\ndata:second\n: comment\ndata:  third\r\n\r\n';
    const parser = new SseParser();
    const out = [...wireText].flatMap((c) => parser.push(c));
    expect(out).toEqual([{ event: 'note', data: 'first\nsecond\n third' }]);
  });
});

describe('SseParser on byte chunks (undici hands out Buffers)', () => {
  it('keeps a multi-byte character split across chunks whole', () => {
    const wire = Buffer.from('data: {"note":"café — ünïcødé ✓ 𝄞"}\n\n', 'utf8');
    const parser = new SseParser();
    const out: ReturnType<SseParser['push']> = [];
    for (let i = 0; i < wire.length; i++) out.push(...parser.push(wire.subarray(i, i + 1)));
    expect(out).toEqual([{ event: 'message', data: '{"note":"café — ünïcødé ✓ 𝄞"}' }]);
  });

  it('parses a 4 MiB event of non-ASCII text in 16 KiB Buffer chunks to the same data', () => {
    const text = 'Grüße, 世界! '.repeat(300_000);
    const wire = Buffer.from(`data: ${text}\n\n`, 'utf8');
    const parser = new SseParser();
    const out: ReturnType<SseParser['push']> = [];
    for (let i = 0; i < wire.length; i += 16 * 1024) out.push(...parser.push(wire.subarray(i, i + 16 * 1024)));
    expect(out).toHaveLength(1);
    expect(out[0].data === text).toBe(true);
  });
});
