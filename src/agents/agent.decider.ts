import { assertFreshRevision } from '../common/stale-revision';
import { WardenError } from '../common/warden-error';
import type { Decider } from '../ledger/decider';
import type { AgentEvent, AgentLabels } from './agents.events';

export interface RegisterAgent {
  type: 'RegisterAgent';
  agentId: string;
  orgId: string;
  name: string;
  keyHash: string;
  hint: string;
  /** Server ids the agent may use; null = every server of its organisation. */
  servers: string[] | null;
  labels?: AgentLabels;
}

/** Every command on an existing agent may name the revision it was based on (If-Match). */
interface OnExisting {
  expectedRevision?: number;
}
export interface UpdateAgent extends OnExisting {
  type: 'UpdateAgent';
  name?: string;
  labels?: AgentLabels;
  servers?: string[] | null;
}
export interface SuspendAgent extends OnExisting {
  type: 'SuspendAgent';
}
export interface ResumeAgent extends OnExisting {
  type: 'ResumeAgent';
}
export interface RevokeAgent extends OnExisting {
  type: 'RevokeAgent';
}
export interface RotateAgentKey extends OnExisting {
  type: 'RotateAgentKey';
  keyHash: string;
  hint: string;
  /** When the earlier keys stop (RFC 3339); null = at once. The handler computes it from the clock. */
  previousKeysValidUntil: string | null;
}
export type AgentCommand = RegisterAgent | UpdateAgent | SuspendAgent | ResumeAgent | RevokeAgent | RotateAgentKey;

export type AgentStatus = 'active' | 'suspended' | 'revoked';

export interface AgentState {
  registered: boolean;
  agentId?: string;
  status: AgentStatus;
  name?: string;
  labels: AgentLabels;
  servers: string[] | null;
  /** Revision of the agent's stream (seq of its last event), -1 before registration. */
  revision: number;
}

const sameServers = (a: string[] | null, b: string[] | null) =>
  a === null || b === null ? a === b : a.length === b.length && a.every((s, i) => s === b[i]);
const sameLabels = (a: AgentLabels, b: AgentLabels) => {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
};

function revoked(): WardenError {
  return new WardenError('conflict', 'AGENT.REVOKED', 'the agent is revoked: revocation is final', { state: 'revoked' });
}

/**
 * Lifecycle of an agent: active ⇄ suspended → revoked (final). Suspending a suspended agent and
 * resuming an active one are idempotent (nothing recorded); anything but a repeated revoke on a
 * revoked agent is 409 AGENT.REVOKED.
 */
export const agentDecider: Decider<AgentCommand, AgentEvent, AgentState> = {
  initialState: () => ({ registered: false, status: 'active', labels: {}, servers: null, revision: -1 }),
  evolve(state, event) {
    const next = { ...state, revision: state.revision + 1 };
    switch (event.type) {
      case 'AgentRegistered':
        return { ...next, registered: true, agentId: event.data.agentId, name: event.data.name, labels: event.data.labels ?? {}, servers: event.data.servers };
      case 'AgentUpdated': {
        const { name, labels, servers } = event.data;
        return { ...next, ...(name !== undefined && { name }), ...(labels !== undefined && { labels }), ...(servers !== undefined && { servers }) };
      }
      case 'AgentSuspended':
        return { ...next, status: 'suspended' };
      case 'AgentResumed':
        return { ...next, status: 'active' };
      case 'AgentRevoked':
        return { ...next, status: 'revoked' };
      case 'AgentKeyRotated':
        return next;
      default: {
        const unknown: never = event;
        void unknown;
        return next;
      }
    }
  },
  decide(command, state) {
    if (command.type === 'RegisterAgent') {
      if (state.registered) throw new WardenError('conflict', 'AGENTS.EXISTS', 'agent already registered');
      const { agentId, orgId, name, keyHash, hint, servers, labels } = command;
      return [{ type: 'AgentRegistered', data: { agentId, orgId, name, keyHash, hint, servers, labels: labels ?? {} } }];
    }
    if (!state.registered || !state.agentId) throw new WardenError('not_found', 'AGENTS.UNKNOWN', 'no such agent');
    assertFreshRevision(command.expectedRevision, state.revision);
    const agentId = state.agentId;
    if (state.status === 'revoked') {
      if (command.type === 'RevokeAgent') return [];
      throw revoked();
    }
    switch (command.type) {
      case 'UpdateAgent': {
        const data: AgentEvent & { type: 'AgentUpdated' } = { type: 'AgentUpdated', data: { agentId } };
        if (command.name !== undefined && command.name !== state.name) data.data.name = command.name;
        if (command.labels !== undefined && !sameLabels(command.labels, state.labels)) data.data.labels = command.labels;
        if (command.servers !== undefined && !sameServers(command.servers, state.servers)) data.data.servers = command.servers;
        return Object.keys(data.data).length > 1 ? [data] : [];
      }
      case 'SuspendAgent':
        return state.status === 'suspended' ? [] : [{ type: 'AgentSuspended', data: { agentId } }];
      case 'ResumeAgent':
        return state.status === 'active' ? [] : [{ type: 'AgentResumed', data: { agentId } }];
      case 'RevokeAgent':
        return [{ type: 'AgentRevoked', data: { agentId } }];
      case 'RotateAgentKey': {
        const { keyHash, hint, previousKeysValidUntil } = command;
        return [{ type: 'AgentKeyRotated', data: { agentId, keyHash, hint, previousKeysValidUntil } }];
      }
      default: {
        const unknown: never = command;
        return unknown;
      }
    }
  },
};
