import { Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@warden/ledger';
import type { Projection } from '../ledger/projection';
import { ReadModelProjector } from '../ledger/read-model-projector';
import { AGENT_STREAM_PREFIX, type AgentEvent } from './agents.events';

export interface Agent {
  agentId: string;
  orgId: string;
  name: string;
  hint: string;
  servers: string[] | null;
  registeredAt: string;
}

/** Agents by id and by key hash (authentication on the hot path is one Map lookup). */
@Injectable()
export class AgentsReadModel implements Projection {
  readonly name = 'agents';
  readonly streamPrefixes = [AGENT_STREAM_PREFIX];
  private readonly byId = new Map<string, Agent>();
  private readonly byKeyHash = new Map<string, Agent>();

  constructor(projector: ReadModelProjector) {
    projector.register(this);
  }

  apply(envelope: EventEnvelope): void {
    const event = { type: envelope.type, data: envelope.data } as AgentEvent;
    if (event.type !== 'AgentRegistered') return;
    const { agentId, orgId, name, hint, servers, keyHash } = event.data;
    const agent: Agent = { agentId, orgId, name, hint, servers, registeredAt: envelope.at };
    this.byId.set(agentId, agent);
    this.byKeyHash.set(keyHash, agent);
  }

  byKey(hash: string): Agent | undefined {
    return this.byKeyHash.get(hash);
  }

  get(orgId: string, agentId: string): Agent | undefined {
    const agent = this.byId.get(agentId);
    return agent?.orgId === orgId ? agent : undefined;
  }

  list(orgId: string): Agent[] {
    return [...this.byId.values()].filter((a) => a.orgId === orgId);
  }
}
