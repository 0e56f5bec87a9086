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
