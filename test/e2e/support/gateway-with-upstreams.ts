import type { FixtureMcpServer } from '../../fixtures/fixture-mcp-server';
import { startHarness, type Harness } from './gateway-harness';

export interface GatewayWithUpstreams {
  h: Harness;
  /** Key of an agent of the harness's organisation that may use every server. */
  agentKey: string;
  /** The upstreams by slug; each registered under that slug. */
  upstreams: Record<string, FixtureMcpServer>;
  close(): Promise<void>;
}

/**
 * A gateway with fixture upstreams registered under their slugs, the given tools approved (as
 * `read`) on each, and one agent: the setup most e2e suites share.
 */
export async function startGatewayWithUpstreams(
  starters: Record<string, () => Promise<FixtureMcpServer>>,
  options: { approve: string[]; agentName: string },
): Promise<GatewayWithUpstreams> {
  const h = await startHarness();
  const upstreams: Record<string, FixtureMcpServer> = {};
  for (const [slug, start] of Object.entries(starters)) {
    upstreams[slug] = await start();
    const server = await h.api.registerServer(slug, slug, upstreams[slug].url);
    for (const tool of options.approve) await h.api.approve(server.serverId, tool, 'read');
  }
  const agentKey = (await h.api.registerAgent(options.agentName)).apiKey;
  return {
    h,
    agentKey,
    upstreams,
    close: async () => {
      await h.cleanup();
      await Promise.all(Object.values(upstreams).map((u) => u.close()));
    },
  };
}
