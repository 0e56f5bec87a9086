import type { RegisteredServer, RegisteredTool } from '../registry/servers.read-model';
import type { ServersReadModel } from '../registry/servers.read-model';
import type { Agent } from '../agents/agents.read-model';
import type { McpRequestContext } from './mcp-request-context';

/** On the aggregated endpoint a tool is `<server slug>__<tool>`; slugs cannot contain `__`. */
export const AGGREGATE_SEPARATOR = '__';

export function aggregatedName(server: RegisteredServer, tool: string): string {
  return `${server.slug}${AGGREGATE_SEPARATOR}${tool}`;
}

export interface ResolvedTool {
  server?: RegisteredServer;
  tool?: RegisteredTool;
  toolName?: string;
}

/**
 * Which server and tool a name means on this endpoint. The aggregated endpoint resolves the slug
 * within the agent's organisation only: another organisation's server does not exist here.
 */
export function resolveTool(servers: ServersReadModel, ctx: Pick<McpRequestContext, 'server' | 'agent'>, name: string): ResolvedTool {
  if (ctx.server) return { server: ctx.server, tool: ctx.server.tools.get(name), toolName: name };
  const at = name.indexOf(AGGREGATE_SEPARATOR);
  if (at <= 0) return { toolName: name };
  const server = servers.bySlugInOrg(ctx.agent.orgId, name.slice(0, at));
  const toolName = name.slice(at + AGGREGATE_SEPARATOR.length);
  return { server, tool: server?.tools.get(toolName), toolName };
}

/** The servers an agent may see tools of: its organisation's active ones, narrowed by its allow-list. */
export function serversVisibleTo(agent: Agent, servers: ServersReadModel): RegisteredServer[] {
  return servers.list(agent.orgId).filter((s) => s.status === 'active' && (!agent.servers || agent.servers.includes(s.serverId)));
}
