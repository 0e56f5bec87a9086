import type { Gate } from './gate';

/** The agent may use this server (its allow-list, if it has one). Tenancy is enforced by resolution. */
export const serverScopeGate: Gate = {
  name: 'server-scope',
  evaluate({ agent, server }) {
    // No server resolved: the tool-state gate denies it as an unknown tool (names are all an agent sees).
    if (!server) return { decision: 'allow', gate: this.name, code: 'GATE.NOT_APPLICABLE' };
    if (agent.servers && !agent.servers.includes(server.serverId)) {
      return { decision: 'deny', gate: this.name, code: 'GATE.SERVER_NOT_PERMITTED', detail: 'the agent may not use this server' };
    }
    return { decision: 'allow', gate: this.name, code: 'GATE.OK' };
  },
};

/** A disabled or removed server's tools are not callable, whatever their review state. */
export const serverStateGate: Gate = {
  name: 'server-state',
  evaluate({ server }) {
    if (!server || server.status === 'active') return { decision: 'allow', gate: this.name, code: server ? 'GATE.OK' : 'GATE.NOT_APPLICABLE' };
    return server.status === 'disabled'
      ? { decision: 'deny', gate: this.name, code: 'GATE.SERVER_DISABLED', detail: 'the server is disabled' }
      : { decision: 'deny', gate: this.name, code: 'GATE.SERVER_REMOVED', detail: 'the server is removed' };
  },
};

/** Only tools the registry knows and an admin approved are callable; tools in review are not. */
export const toolStateGate: Gate = {
  name: 'tool-state',
  evaluate({ server, tool, toolName }) {
    if (!server) return { decision: 'deny', gate: this.name, code: 'GATE.UNKNOWN_TOOL', detail: 'unknown tool' };
    if (!tool) return { decision: 'deny', gate: this.name, code: 'GATE.UNKNOWN_TOOL', detail: `unknown tool ${toolName ?? ''}`.trim() };
    if (tool.state !== 'approved') return { decision: 'deny', gate: this.name, code: 'GATE.TOOL_IN_REVIEW', detail: 'the tool is in review and not callable' };
    return { decision: 'allow', gate: this.name, code: 'GATE.OK' };
  },
};

export const FOUNDATION_GATES: Gate[] = [serverScopeGate, serverStateGate, toolStateGate];
