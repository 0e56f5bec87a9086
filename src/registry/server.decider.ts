import { WardenError } from '../common/warden-error';
import type { Decider } from '../ledger/decider';
import type { RegistryEvent, RiskClass, ServerHealthStatus, ToolDefinition } from './registry.events';

export type ServerCommand =
  | {
      type: 'RegisterServer';
      serverId: string;
      orgId: string;
      slug: string;
      name: string;
      url: string;
      protocolVersion: string | null;
      tools: Array<{ definition: ToolDefinition; definitionDigest: string }>;
      /** Registered while the upstream was down: recorded unhealthy, tools discovered when it is back. */
      health?: { status: ServerHealthStatus; reason: string };
    }
  /** A health check's verdict: recorded only when it differs from the last one. */
  | { type: 'RecordHealth'; status: ServerHealthStatus; reason: string }
  /** The upstream's tool list as discovery found it again (on tools/list_changed, or asked by an admin). */
  | { type: 'RediscoverTools'; tools: Array<{ definition: ToolDefinition; definitionDigest: string }> }
  | { type: 'ClassifyTool'; tool: string; riskClass: RiskClass }
  | { type: 'ApproveTool'; tool: string; riskClass?: RiskClass };

export interface ServerState {
  serverId?: string;
  /** The last recorded health (a server starts healthy). */
  health: ServerHealthStatus;
  tools: Map<string, { riskClass?: RiskClass; approved: boolean; definitionDigest: string }>;
}

function known(state: ServerState, tool: string) {
  const entry = state.tools.get(tool);
  if (!entry) throw new WardenError('not_found', 'REGISTRY.TOOL_UNKNOWN', `no tool ${tool} on this server`);
  return entry;
}

export const serverDecider: Decider<ServerCommand, RegistryEvent, ServerState> = {
  initialState: () => ({ health: 'healthy', tools: new Map() }),

  evolve(state, event) {
    const tools = new Map(state.tools);
    switch (event.type) {
      case 'ServerRegistered':
        return { ...state, serverId: event.data.serverId };
      case 'ToolDiscovered':
        tools.set(event.data.tool, { approved: false, definitionDigest: event.data.definitionDigest });
        return { ...state, tools };
      case 'ToolDefinitionChanged':
        tools.set(event.data.tool, { ...known(state, event.data.tool), approved: false, definitionDigest: event.data.definitionDigest });
        return { ...state, tools };
      case 'ToolWithdrawn':
        tools.delete(event.data.tool);
        return { ...state, tools };
      case 'ToolClassified':
        tools.set(event.data.tool, { ...known(state, event.data.tool), riskClass: event.data.riskClass });
        return { ...state, tools };
      case 'ToolApproved':
        tools.set(event.data.tool, { ...known(state, event.data.tool), riskClass: event.data.riskClass, approved: true });
        return { ...state, tools };
      case 'ServerHealthChanged':
        return { ...state, health: event.data.status };
      default: {
        const unknown: never = event;
        return unknown;
      }
    }
  },

  decide(command, state) {
    switch (command.type) {
      case 'RegisterServer': {
        if (state.serverId) throw new WardenError('conflict', 'REGISTRY.SERVER_EXISTS', 'server already registered');
        const { serverId, orgId, slug, name, url, protocolVersion } = command;
        return [
          { type: 'ServerRegistered', data: { serverId, orgId, slug, name, url, protocolVersion } },
          ...command.tools.map((t): RegistryEvent => ({
            type: 'ToolDiscovered',
            data: { serverId, tool: t.definition.name, definition: t.definition, definitionDigest: t.definitionDigest },
          })),
          ...(command.health && command.health.status !== 'healthy'
            ? [{ type: 'ServerHealthChanged' as const, data: { serverId, status: command.health.status, reason: command.health.reason } }]
            : []),
        ];
      }
      case 'RecordHealth': {
        if (!state.serverId) throw new WardenError('not_found', 'REGISTRY.SERVER_UNKNOWN', 'no such server');
        if (command.status === state.health) return [];
        return [{ type: 'ServerHealthChanged', data: { serverId: state.serverId, status: command.status, reason: command.reason } }];
      }
      case 'RediscoverTools': {
        if (!state.serverId) throw new WardenError('not_found', 'REGISTRY.SERVER_UNKNOWN', 'no such server');
        const serverId = state.serverId;
        const found = new Map(command.tools.map((t) => [t.definition.name, t]));
        const events: RegistryEvent[] = [];
        for (const [tool, { definition, definitionDigest }] of found) {
          const before = state.tools.get(tool);
          if (!before) events.push({ type: 'ToolDiscovered', data: { serverId, tool, definition, definitionDigest } });
          else if (before.definitionDigest !== definitionDigest) {
            events.push({ type: 'ToolDefinitionChanged', data: { serverId, tool, definition, definitionDigest, previousDigest: before.definitionDigest } });
          }
        }
        for (const tool of state.tools.keys()) if (!found.has(tool)) events.push({ type: 'ToolWithdrawn', data: { serverId, tool } });
        return events;
      }
      case 'ClassifyTool': {
        known(state, command.tool);
        return [{ type: 'ToolClassified', data: { serverId: state.serverId!, tool: command.tool, riskClass: command.riskClass } }];
      }
      case 'ApproveTool': {
        const entry = known(state, command.tool);
        const riskClass = command.riskClass ?? entry.riskClass;
        if (!riskClass) {
          throw new WardenError('conflict', 'REGISTRY.TOOL_UNCLASSIFIED', `classify ${command.tool} (read, write or destructive) before approving it`);
        }
        const events: RegistryEvent[] = [];
        if (riskClass !== entry.riskClass) events.push({ type: 'ToolClassified', data: { serverId: state.serverId!, tool: command.tool, riskClass } });
        if (!entry.approved || riskClass !== entry.riskClass) events.push({ type: 'ToolApproved', data: { serverId: state.serverId!, tool: command.tool, riskClass } });
        return events;
      }
      default: {
        const unknown: never = command;
        return unknown;
      }
    }
  },
};
