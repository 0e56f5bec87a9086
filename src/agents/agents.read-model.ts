import { Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@warden/ledger';
import type { Projection } from '../ledger/projection';
import { ReadModelProjector } from '../ledger/read-model-projector';
import type { AgentStatus } from './agent.decider';
import { AGENT_STREAM_PREFIX, type AgentEvent, type AgentLabels } from './agents.events';

export interface Agent {
  agentId: string;
  orgId: string;
  name: string;
  /** Hint of the current key. */
  hint: string;
  servers: string[] | null;
  labels: AgentLabels;
  status: AgentStatus;
  /** Revision of the agent's stream: send it back in If-Match to change the agent. */
  revision: number;
  registeredAt: string;
  updatedAt: string;
}

interface KeyEntry {
  agent: Agent;
  /** Epoch ms after which the key no longer authenticates (a rotated key in its grace period). */
  validUntilMs?: number;
}

export type AgentAuthentication =
  | { agent: Agent; refused?: undefined }
  | { agent: Agent; refused: 'AUTH.AGENT_SUSPENDED' | 'AUTH.AGENT_REVOKED' };

/** Agents by id and by key hash (authentication on the hot path is one Map lookup). */
@Injectable()
export class AgentsReadModel implements Projection {
  readonly name = 'agents';
  readonly streamPrefixes = [AGENT_STREAM_PREFIX];
  private readonly byId = new Map<string, Agent>();
  private readonly byKeyHash = new Map<string, KeyEntry>();
  private readonly keysOf = new Map<string, Set<string>>();

  constructor(projector: ReadModelProjector) {
    projector.register(this);
  }

  apply(envelope: EventEnvelope): void {
    // The projector gives each read model only its own streams; this guard keeps it so if that ever changes.
    if (!envelope.stream.startsWith(AGENT_STREAM_PREFIX)) return;
    const event = { type: envelope.type, data: envelope.data } as AgentEvent;
    if (event.type === 'AgentRegistered') {
      const { agentId, orgId, name, hint, servers, keyHash, labels } = event.data;
      const agent: Agent = {
        agentId, orgId, name, hint, servers, labels: labels ?? {}, status: 'active', revision: envelope.seq, registeredAt: envelope.at, updatedAt: envelope.at,
      };
      this.byId.set(agentId, agent);
      this.byKeyHash.set(keyHash, { agent });
      this.keysOf.set(agentId, new Set([keyHash]));
      return;
    }
    const agent = this.byId.get((event.data as { agentId?: string }).agentId ?? '');
    if (!agent || envelope.seq <= agent.revision) return;
    // The agent object is shared with requests in flight: changes apply to them at once.
    agent.revision = envelope.seq;
    agent.updatedAt = envelope.at;
    switch (event.type) {
      case 'AgentUpdated': {
        const { name, labels, servers } = event.data;
        if (name !== undefined) agent.name = name;
        if (labels !== undefined) agent.labels = labels;
        if (servers !== undefined) agent.servers = servers;
        break;
      }
      case 'AgentSuspended':
        agent.status = 'suspended';
        break;
      case 'AgentResumed':
        agent.status = 'active';
        break;
      case 'AgentRevoked':
        agent.status = 'revoked';
        break;
      case 'AgentKeyRotated':
        this.rotate(agent, event.data.keyHash, event.data.previousKeysValidUntil);
        agent.hint = event.data.hint;
        break;
    }
  }

  private rotate(agent: Agent, keyHash: string, previousValidUntil: string | null): void {
    const keys = this.keysOf.get(agent.agentId) ?? new Set<string>();
    const until = previousValidUntil === null ? undefined : Date.parse(previousValidUntil);
    for (const hash of keys) {
      const entry = this.byKeyHash.get(hash);
      if (!entry) continue;
      if (until === undefined) {
        this.byKeyHash.delete(hash);
        keys.delete(hash);
      } else entry.validUntilMs = Math.min(entry.validUntilMs ?? Infinity, until);
    }
    keys.add(keyHash);
    this.keysOf.set(agent.agentId, keys);
    this.byKeyHash.set(keyHash, { agent });
  }

  /**
   * The agent a presented key belongs to, if the key authenticates at `nowMs`; with `refused` when
   * the agent may not be served (suspended, revoked). A rotated key past its grace is unknown.
   */
  authenticate(hash: string, nowMs: number): AgentAuthentication | undefined {
    const entry = this.byKeyHash.get(hash);
    if (!entry || (entry.validUntilMs !== undefined && nowMs >= entry.validUntilMs)) return undefined;
    const { agent } = entry;
    if (agent.status === 'active') return { agent };
    return { agent, refused: agent.status === 'suspended' ? 'AUTH.AGENT_SUSPENDED' : 'AUTH.AGENT_REVOKED' };
  }

  get(orgId: string, agentId: string): Agent | undefined {
    const agent = this.byId.get(agentId);
    return agent?.orgId === orgId ? agent : undefined;
  }

  list(orgId: string): Agent[] {
    return [...this.byId.values()].filter((a) => a.orgId === orgId);
  }
}
