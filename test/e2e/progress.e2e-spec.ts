import { connectAgent, textOf, type AgentRevision, type AgentToolResult } from '../fixtures/agent-clients';
import { startLegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { startModernMcpServer } from '../fixtures/modern-mcp-server';
import { startSseMcpServer } from '../fixtures/sse-mcp-server';
import type { Harness } from './support/gateway-harness';
import { startGatewayWithUpstreams, type GatewayWithUpstreams } from './support/gateway-with-upstreams';
import { modernHeaders, modernMeta, rawPost } from './support/raw-mcp';

/**
 * Progress notifications an upstream sends about a call reach the agent that asked for them
 * (with a progressToken), ahead of the answer: the gateway's response turns into an SSE stream.
 * Without a token the answer stays plain JSON.
 */
const AGENTS: AgentRevision[] = ['2025-06-18', '2025-11-25', '2026-07-28'];

describe('progress relay', () => {
  let setup: GatewayWithUpstreams;
  let h: Harness;
  let agentKey: string;

  beforeAll(async () => {
    setup = await startGatewayWithUpstreams(
      { legacy: () => startLegacyMcpServer(), modern: () => startModernMcpServer({ legacy: 'reject' }), sse: () => startSseMcpServer() },
      { approve: ['count'], agentName: 'watcher' },
    );
    ({ h, agentKey } = setup);
  });

  afterAll(() => setup.close());

  describe.each(AGENTS)('agent on %s', (revision) => {
    it.each(['legacy', 'modern', 'sse'])('receives the %s upstream’s progress before the result', async (slug) => {
      const agent = await connectAgent(`${h.url}/mcp/${slug}`, { revision, headers: { authorization: `Bearer ${agentKey}` } });
      try {
        const seen: Array<{ progress: number; total?: number }> = [];
        const onprogress = (p: { progress: number; total?: number }) => void seen.push({ progress: p.progress, total: p.total });
        const params = { name: 'count', arguments: { n: 3 } };
        const result = (await (agent.sdk === 'v1'
          ? agent.raw.callTool(params, undefined, { onprogress })
          : agent.raw.callTool(params, { onprogress }))) as AgentToolResult;
        expect(textOf(result)).toBe('counted to 3');
        expect(seen).toEqual([
          { progress: 1, total: 3 },
          { progress: 2, total: 3 },
          { progress: 3, total: 3 },
        ]);
      } finally {
        await agent.close();
      }
    });
  });

  it('answers as an SSE stream only when the agent asked for progress', async () => {
    const call = (meta: Record<string, unknown>) =>
      rawPost(`${h.url}/mcp/modern`, { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'count', arguments: { n: 2 }, _meta: meta } }, {
        ...modernHeaders('tools/call', 'count'),
        authorization: `Bearer ${agentKey}`,
      });
    const plain = await call(modernMeta);
    expect(plain.headers.get('content-type')).toMatch(/^application\/json/);
    expect(plain.body.result.content[0].text).toBe('counted to 2');

    const streamed = await call({ ...modernMeta, progressToken: 'tok-1' });
    expect(streamed.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = streamed.text
      .split('\n\n')
      .filter((frame) => frame.startsWith('event: message\ndata: '))
      .map((frame) => JSON.parse(frame.slice('event: message\ndata: '.length)));
    expect(events.map((e) => e.method ?? 'answer')).toEqual(['notifications/progress', 'notifications/progress', 'answer']);
    expect(events[0].params).toMatchObject({ progressToken: 'tok-1', progress: 1, total: 2 });
    expect(events[2]).toMatchObject({ id: 5, result: { content: [{ text: 'counted to 2' }], resultType: 'complete' } });
  });
});
