import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startConformanceEverythingServer, type ConformanceEverythingServer } from '../fixtures/conformance-everything-server';
import { startLegacyMcpServer } from '../fixtures/legacy-mcp-server';
import type { FixtureMcpServer } from '../fixtures/fixture-mcp-server';
import { startHarness, type Harness } from './support/gateway-harness';

/**
 * A 2025 agent resumes its own response stream (Streamable HTTP 2025-11-25, "Resumability and
 * Redelivery"): warden's SSE events carry ids, a 2025-11-25 stream opens with a priming event,
 * warden closes a POST's stream once WARDEN_EDGE_STREAM_HOLD_MS has passed, and a GET with
 * Last-Event-ID gets the rest of that stream only — never another stream's or session's.
 */
interface SseEvent {
  id?: string;
  retry?: number;
  data?: string;
}

function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((frame) => frame.trim() !== '' && !frame.startsWith(':'))
    .map((frame) => {
      const event: SseEvent = {};
      for (const line of frame.split('\n')) {
        const [field, ...rest] = line.split(': ');
        const value = rest.join(': ');
        if (field === 'id') event.id = value;
        if (field === 'retry') event.retry = Number(value);
        if (field === 'data' || line === 'data:') event.data = value;
      }
      return event;
    });
}

describe('resumable response streams of 2025 sessions', () => {
  let h: Harness;
  let upstream: FixtureMcpServer;
  let conformance: ConformanceEverythingServer;
  let agentKey: string;
  let url: string;

  beforeAll(async () => {
    h = await startHarness({ WARDEN_EDGE_STREAM_HOLD_MS: '50' });
    upstream = await startLegacyMcpServer();
    const server = await h.api.registerServer('legacy', 'legacy', upstream.url);
    for (const tool of ['slow', 'count']) await h.api.approve(server.serverId, tool, 'read');
    conformance = await startConformanceEverythingServer();
    const everything = await h.api.registerServer('everything', 'everything', conformance.url);
    await h.api.approve(everything.serverId, 'test_reconnection', 'read');
    agentKey = (await h.api.registerAgent('resumer')).apiKey;
    url = `${h.url}/mcp/legacy`;
  });

  afterAll(async () => {
    await h.cleanup();
    await upstream.close();
    await conformance.close();
  });

  const post = (body: object, headers: Record<string, string> = {}) =>
    fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${agentKey}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      body: JSON.stringify(body),
    });

  async function openSession(protocolVersion = '2025-11-25'): Promise<Record<string, string>> {
    const res = await post({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion, capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
    expect(res.status).toBe(200);
    await res.text();
    return { 'mcp-session-id': res.headers.get('mcp-session-id')!, 'mcp-protocol-version': protocolVersion };
  }

  const resume = (session: Record<string, string>, lastEventId: string) =>
    fetch(url, { headers: { authorization: `Bearer ${agentKey}`, accept: 'text/event-stream', 'last-event-id': lastEventId, ...session } });

  /**
   * The events of a response stream that carry an id, up to the answer to `id`: when warden closed
   * the stream early (the call outlived WARDEN_EDGE_STREAM_HOLD_MS, as on a loaded host), it is
   * resumed from the last id seen, as an agent does, until the answer comes.
   */
  async function wholeStream(session: Record<string, string>, res: Response, id: string): Promise<SseEvent[]> {
    const events = parseSse(await res.text()).filter((e) => e.id !== undefined);
    const answered = () => events.some((e) => e.data && (JSON.parse(e.data) as { id?: unknown }).id === id);
    for (let resumptions = 0; !answered() && resumptions < 20; resumptions++) {
      const more = await resume(session, events[events.length - 1].id!);
      expect(more.status).toBe(200);
      events.push(...parseSse(await more.text()).filter((e) => e.id !== undefined));
    }
    return events;
  }

  /** An SDK 1.x agent that records the Last-Event-ID of each resumption it makes. */
  async function resumingAgent(endpoint: string) {
    const resumptions: string[] = [];
    const recording: typeof fetch = async (input, init) => {
      const headers = new Headers(init?.headers);
      if ((init?.method ?? 'GET') === 'GET' && headers.has('last-event-id')) resumptions.push(headers.get('last-event-id')!);
      return fetch(input, init);
    };
    const transport = new StreamableHTTPClientTransport(new URL(endpoint), { requestInit: { headers: { authorization: `Bearer ${agentKey}` } }, fetch: recording });
    const client = new Client({ name: 'resuming-agent', version: '1.0.0' });
    await client.connect(transport);
    return { client, transport, resumptions };
  }

  it('the SDK 1.x client gets its answer after warden closed the stream mid-call, by resuming it itself', async () => {
    const { client, transport, resumptions } = await resumingAgent(url);
    try {
      const result = await client.callTool({ name: 'slow', arguments: { ms: 400 } });
      expect(result.content).toEqual([{ type: 'text', text: 'slept 400ms' }]);
      expect(resumptions.length).toBeGreaterThanOrEqual(1);
      expect(resumptions[0]).toMatch(/^[A-Za-z0-9_-]{16}\.0$/);
      // The call ran once upstream, although the agent's stream was closed under it.
      expect(upstream.requests.withRpcMethod('tools/call')).toHaveLength(1);
    } finally {
      await transport.terminateSession();
      await client.close();
    }
  });

  it('test_reconnection (the conformance tool that closes its own stream mid-call): both hops resume, the agent gets the answer', async () => {
    const { client, transport, resumptions } = await resumingAgent(`${h.url}/mcp/everything`);
    try {
      const result = await client.callTool({ name: 'test_reconnection', arguments: {} });
      expect(result.content).toEqual([{ type: 'text', text: 'Answered after the stream was closed.' }]);
      expect(resumptions.length).toBeGreaterThanOrEqual(1);
    } finally {
      await transport.terminateSession();
      await client.close();
    }
  });

  it('a raw agent: priming event first, retry, the stream ends early; GET with Last-Event-ID brings the answer', async () => {
    const session = await openSession();
    const res = await post({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'slow', arguments: { ms: 300 } } }, session);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const early = parseSse(await res.text());
    expect(early[0]).toEqual({ id: expect.stringMatching(/^[A-Za-z0-9_-]{16}\.0$/), data: '' });
    expect(early.some((e) => e.retry !== undefined && e.retry > 0)).toBe(true);
    expect(early.filter((e) => e.data)).toEqual([]);

    const resumed = await resume(session, early[0].id!);
    expect(resumed.status).toBe(200);
    expect(resumed.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const rest = parseSse(await resumed.text());
    expect(rest).toHaveLength(1);
    expect(rest[0].id).toBe(`${early[0].id!.split('.')[0]}.1`);
    expect(JSON.parse(rest[0].data!)).toEqual({ jsonrpc: '2.0', id: 7, result: { content: [{ type: 'text', text: 'slept 300ms' }] } });
  });

  it('replays only the events after Last-Event-ID, in order, progress included', async () => {
    const session = await openSession();
    const res = await post({ jsonrpc: '2.0', id: 'c', method: 'tools/call', params: { name: 'count', arguments: { n: 3 }, _meta: { progressToken: 'p' } } }, session);
    const events = await wholeStream(session, res, 'c');
    expect(events.map((e) => e.id?.split('.')[1])).toEqual(['0', '1', '2', '3', '4']);
    const messages = (list: SseEvent[]) => list.filter((e) => e.data).map((e) => JSON.parse(e.data!) as { method?: string; id?: string });

    const fromSecond = parseSse(await (await resume(session, events[2].id!)).text());
    expect(fromSecond.map((e) => e.id)).toEqual([events[3].id, events[4].id]);
    expect(messages(fromSecond).map((m) => m.method ?? `answer ${m.id}`)).toEqual(['notifications/progress', 'answer c']);
  });

  it('refuses a Last-Event-ID of another session, of no stream, or never sent (400 EDGE.STREAM_UNKNOWN), and replays nothing', async () => {
    const mine = await openSession();
    const theirs = await openSession();
    const res = await post({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'count', arguments: { n: 1 }, _meta: { progressToken: 1 } } }, theirs);
    const theirEvents = parseSse(await res.text());
    const key = theirEvents[0].id!.split('.')[0];
    for (const id of [theirEvents[0].id!, 'AAAAAAAAAAAAAAAA.0', 'garbage', `${key}.99`]) {
      const session = id === `${key}.99` ? theirs : mine;
      const refused = await resume(session, id);
      expect(refused.status).toBe(400);
      const body = await refused.json();
      expect(body).toMatchObject({ jsonrpc: '2.0', id: null, error: { data: { reason: 'EDGE.STREAM_UNKNOWN' } } });
      expect(JSON.stringify(body)).not.toContain('counted');
    }
    // Its own session still resumes it.
    expect((await resume(theirs, theirEvents[0].id!)).status).toBe(200);
  });

  it('gives every stream its own key, and a 2025-06-18 session ids without a priming event', async () => {
    const session = await openSession('2025-06-18');
    const keys = new Set<string>();
    for (const id of [1, 2]) {
      const res = await post({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'count', arguments: { n: 1 }, _meta: { progressToken: id } } }, session);
      const events = parseSse(await res.text());
      expect(events.every((e) => e.data)).toBe(true);
      expect(events.map((e) => e.id!.split('.')[1])).toEqual(['0', '1']);
      keys.add(events[0].id!.split('.')[0]);
    }
    expect(keys.size).toBe(2);
  });
});
