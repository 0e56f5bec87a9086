import type { StdioLaunch } from '../upstream/stdio-launch';
import type { UpstreamEndpoint, UpstreamTarget } from '../upstream/upstream-pool';
import type { StdioRecord } from './registry.events';
import type { RegisteredServer } from './servers.read-model';

/** What the pool reaches for a registered server: its URL, or the stdio child it runs. */
export function upstreamTargetOf(server: Pick<RegisteredServer, 'serverId' | 'url' | 'stdio'>): UpstreamTarget {
  return server.stdio ? { serverId: server.serverId, url: server.url, stdio: stdioLaunchOf(server.stdio) } : { serverId: server.serverId, url: server.url };
}

/** Where a fresh (discovery) session for the server goes. */
export function upstreamEndpointOf(server: Pick<RegisteredServer, 'url' | 'stdio'>): UpstreamEndpoint {
  return server.stdio ? stdioLaunchOf(server.stdio) : new URL(server.url);
}

function stdioLaunchOf(record: StdioRecord): StdioLaunch {
  return { command: record.command, args: [...record.args], ...(record.cwd === undefined ? {} : { cwd: record.cwd }) };
}

/** The label a stdio server has where a URL is shown. */
export const stdioLabel = (launch: StdioLaunch) => `stdio:${launch.command}`;
