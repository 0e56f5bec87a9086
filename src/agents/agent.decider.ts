import { WardenError } from '../common/warden-error';
import type { Decider } from '../ledger/decider';
import type { AgentEvent } from './agents.events';

export interface RegisterAgent {
  type: 'RegisterAgent';
  agentId: string;
  orgId: string;
  name: string;
  keyHash: string;
  hint: string;
  /** Server ids the agent may use; null = every server of its organisation. */
  servers: string[] | null;
}
export type AgentCommand = RegisterAgent;

export interface AgentState {
  registered: boolean;
}

export const agentDecider: Decider<AgentCommand, AgentEvent, AgentState> = {
  initialState: () => ({ registered: false }),
  evolve(state, event) {
    switch (event.type) {
      case 'AgentRegistered':
        return { registered: true };
      default: {
        const unknown: never = event.type;
        return unknown;
      }
    }
  },
  decide(command, state) {
    if (state.registered) throw new WardenError('conflict', 'AGENTS.EXISTS', 'agent already registered');
    const { agentId, orgId, name, keyHash, hint, servers } = command;
    return [{ type: 'AgentRegistered', data: { agentId, orgId, name, keyHash, hint, servers } }];
  },
};
