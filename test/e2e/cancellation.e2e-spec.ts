import { connectAgent, textOf, type AgentRevision } from '../fixtures/agent-clients';
import type { FixtureMcpServer } from '../fixtures/fixture-mcp-server';
import { startLegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { startModernMcpServer } from '../fixtures/modern-mcp-server';
import { eventsOfType } from './support/ledger-reader';
import type { Harness } from './support/gateway-harness';
import { startGatewayWithUpstreams, type GatewayWithUpstreams } from './support/gateway-with-upstreams';

/**
 * An agent that cancels a call (2025: notifications/cancelled; 2026-07-28: closing the stream)
 * stops the upstream's work through the gateway: a 2025 upstream is told with
 * notifications/cancelled for warden's own request id, a 2026-07-28 upstream sees its request's
 * stream closed. The call is recorded as failed with CALL.CANCELLED, and the pooled upstream
 * session keeps serving.
 */
const CASES: Array<[AgentRevision, 'legacy' | 'modern']> = [
  ['2025-11-25', 'legacy'],
  ['2025-11-25', 'modern'],
  ['2026-07-28', 'legacy'],
  ['2026-07-28', 'modern'],
];

describe('cancellation through the gateway', () => {
  let setup: GatewayWithUpstreams;
  let h: Harness;
  let agentKey: string;
  let upstreams: Record<string, FixtureMcpServer>;

  beforeAll(async () => {
    setup = await startGatewayWithUpstreams(
      { legacy: () => startLegacyMcpServer(), modern: () => startModernMcpServer({ legacy: 'reject' }) },
      { approve: ['slow', 'echo'], agentName: 'canceller' },
    );
    ({ h, agentKey, upstreams } = setup);
  });

  afterAll(() => setup.close());

  it.each(CASES)('a %s agent cancels a slow call to the %s upstream', async (revision, slug) => {
    const upstream = upstreams[slug];
    const agent = await connectAgent(`${h.url}/mcp/${slug}`, { revision, headers: { authorization: `Bearer ${agentKey}` } });
    try {
      const callsBefore = upstream.requests.withRpcMethod('tools/call').length;
      const abort = new AbortController();
      const params = { name: 'slow', arguments: { ms: 20_000 } };
      // SDK 1.x: callTool(params, resultSchema?, options); SDK 2.x: callTool(params, options).
      const pending =
        agent.sdk === 'v1' ? agent.raw.callTool(params, undefined, { signal: abort.signal }) : agent.raw.callTool(params, { signal: abort.signal });
      pending.catch(() => undefined);
      while (upstream.requests.withRpcMethod('tools/call').length === callsBefore) await new Promise((r) => setTimeout(r, 10));
      const started = Date.now();
      abort.abort();
      await expect(pending).rejects.toBeDefined();

      // The gateway records the cancellation promptly, not when the 20 s tool would have ended.
      let failed: ReturnType<typeof eventsOfType> = [];
      while (failed.length === 0 && Date.now() - started < 5000) {
        await h.settled();
        failed = eventsOfType(h.dataDir, 'ToolCallFailed').filter((e) => e.data.reason === 'CALL.CANCELLED');
        failed = failed.filter((e) => eventsOfType(h.dataDir, 'ToolCallDecided').some((d) => d.data.callId === e.data.callId && d.data.endpoint === slug && d.data.protocolVersion === revision));
        if (failed.length === 0) await new Promise((r) => setTimeout(r, 20));
      }
      expect(failed).toHaveLength(1);
      expect(failed[0].data.upstreamMs).toBeLessThan(5000);

      if (slug === 'legacy') {
        // warden told the 2025 upstream which of ITS requests to drop.
        const forwarded = upstream.requests.withRpcMethod('tools/call').at(-1)!.body as { id: number };
        let cancels: unknown[] = [];
        while (cancels.length === 0 && Date.now() - started < 5000) {
          cancels = upstream.requests
            .withRpcMethod('notifications/cancelled')
            .map((r) => (r.body as { params: { requestId: unknown } }).params.requestId)
            .filter((requestId) => requestId === forwarded.id);
          if (cancels.length === 0) await new Promise((r) => setTimeout(r, 20));
        }
        expect(cancels).toEqual([forwarded.id]);
      }

      // The pooled session was not thrown away: the next call goes through.
      expect(JSON.parse(textOf(await agent.callTool('echo', { after: 'cancel' })))).toEqual({ after: 'cancel' });
    } finally {
      await agent.close();
    }
  }, 30_000);
});
