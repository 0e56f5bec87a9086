import { assertFreshRevision } from '../common/stale-revision';
import { WardenError } from '../common/warden-error';
import type { Decider } from '../ledger/decider';
import type { RegistryEvent, RiskClass, ServerHealthStatus, ServerStatus, StdioRecord, ToolDefinition } from './registry.events';

type DiscoveredTools = Array<{ definition: ToolDefinition; definitionDigest: string }>;

export type ServerCommand =
  | {
      type: 'RegisterServer';
      serverId: string;
      orgId: string;
      slug: string;
      name: string;
      url: string;
      protocolVersion: string | null;
      /** A stdio upstream: command, arguments, working directory, the names of its environment variables. */
      stdio?: StdioRecord;
      tools: Array<{ definition: ToolDefinition; definitionDigest: string }>;
      /** Registered while the upstream was down: recorded unhealthy, tools discovered when it is back. */
      health?: { status: ServerHealthStatus; reason: string };
    }
  /** A health check's verdict: recorded only when it differs from the last one. */
  | { type: 'RecordHealth'; status: ServerHealthStatus; reason: string }
  /** The upstream's tool list as discovery found it again (on tools/list_changed, or asked by an admin). */
  | { type: 'RediscoverTools'; tools: Array<{ definition: ToolDefinition; definitionDigest: string }> }
  | { type: 'ClassifyTool'; tool: string; riskClass: RiskClass }
  | { type: 'ApproveTool'; tool: string; riskClass?: RiskClass }
  /** A new name and/or URL; with a new URL, what discovery found there (changed tools go back to review). */
  | { type: 'UpdateServer'; expectedRevision?: number; name?: string; url?: string; protocolVersion?: string | null; tools?: DiscoveredTools }
  | { type: 'DisableServer'; expectedRevision?: number }
  | { type: 'EnableServer'; expectedRevision?: number }
  | { type: 'RemoveServer'; expectedRevision?: number };

export interface ServerState {
  serverId?: string;
  name?: string;
  url?: string;
  status: ServerStatus;
  /** Revision of the server's stream (seq of its last event), -1 before registration. */
  revision: number;
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
  initialState: () => ({ tools: new Map(), status: 'active', revision: -1, health: 'healthy' }),

  evolve(previous, event) {
    const state = { ...previous, revision: previous.revision + 1 };
    const tools = new Map(state.tools);
    switch (event.type) {
      case 'ServerRegistered':
        return { ...state, serverId: event.data.serverId, name: event.data.name, url: event.data.url };
      case 'ServerUpdated': {
        const { name, url } = event.data;
        return { ...state, ...(name !== undefined && { name }), ...(url !== undefined && { url }) };
      }
      case 'ServerDisabled':
        return { ...state, status: 'disabled' };
      case 'ServerEnabled':
        return { ...state, status: 'active' };
      case 'ServerRemoved':
        return { ...state, status: 'removed' };
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
    if (command.type !== 'RegisterServer') {
      if (!state.serverId) throw new WardenError('not_found', 'REGISTRY.SERVER_UNKNOWN', 'no such server');
      if ('expectedRevision' in command) assertFreshRevision(command.expectedRevision, state.revision);
      if (state.status === 'removed') {
        if (command.type === 'RemoveServer') return [];
        throw new WardenError('conflict', 'SERVER.REMOVED', 'the server is removed: removal is final', { state: 'removed' });
      }
    }
    switch (command.type) {
      case 'RegisterServer': {
        if (state.serverId) throw new WardenError('conflict', 'REGISTRY.SERVER_EXISTS', 'server already registered');
        const { serverId, orgId, slug, name, url, protocolVersion, stdio } = command;
        return [
          { type: 'ServerRegistered', data: { serverId, orgId, slug, name, url, protocolVersion, ...(stdio ? { stdio } : {}) } },
          ...command.tools.map((t): RegistryEvent => ({
            type: 'ToolDiscovered',
            data: { serverId, tool: t.definition.name, definition: t.definition, definitionDigest: t.definitionDigest },
          })),
          ...(command.health && command.health.status !== 'healthy'
            ? [{ type: 'ServerHealthChanged' as const, data: { serverId, status: command.health.status, reason: command.health.reason } }]
            : []),
        ];
      }
      case 'RecordHealth':
        if (command.status === state.health) return [];
        return [{ type: 'ServerHealthChanged', data: { serverId: state.serverId!, status: command.status, reason: command.reason } }];
      case 'RediscoverTools':
        return toolChanges(state, command.tools);
      case 'UpdateServer': {
        const serverId = state.serverId!;
        const data: { serverId: string; name?: string; url?: string; protocolVersion?: string | null } = { serverId };
        if (command.name !== undefined && command.name !== state.name) data.name = command.name;
        if (command.url !== undefined && command.url !== state.url) {
          data.url = command.url;
          if (command.protocolVersion !== undefined) data.protocolVersion = command.protocolVersion;
        }
        const changes: RegistryEvent[] = Object.keys(data).length > 1 ? [{ type: 'ServerUpdated', data }] : [];
        return command.tools ? [...changes, ...toolChanges(state, command.tools)] : changes;
      }
      case 'DisableServer':
        return state.status === 'disabled' ? [] : [{ type: 'ServerDisabled', data: { serverId: state.serverId! } }];
      case 'EnableServer':
        return state.status === 'active' ? [] : [{ type: 'ServerEnabled', data: { serverId: state.serverId! } }];
      case 'RemoveServer':
        return [{ type: 'ServerRemoved', data: { serverId: state.serverId! } }];
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

/** Discovery again: new tools enter review, a changed definition goes back to review, a missing tool is withdrawn. */
function toolChanges(state: ServerState, discovered: DiscoveredTools): RegistryEvent[] {
  const serverId = state.serverId!;
  const found = new Map(discovered.map((t) => [t.definition.name, t]));
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
