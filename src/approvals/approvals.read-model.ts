import { Injectable } from '@nestjs/common';
import type { Actor, EventEnvelope } from '@warden/ledger';
import { AGENT_STREAM_PREFIX } from '../agents/agents.events';
import type { Projection } from '../ledger/projection';
import { ReadModelProjector } from '../ledger/read-model-projector';
import { approvalDecider, approvalStateAt, type ApprovalAggregate, type ApprovalState } from './approval.decider';
import { APPROVAL_STREAM_PREFIX, type ApprovalEvent, type StepUpApproved, type StepUpConsumed } from './approvals.events';

export interface ApprovalView {
  approvalId: string;
  orgId: string;
  callId: string;
  agentId: string;
  serverId: string;
  tool: string;
  argumentsDigest: string;
  rules: string[];
  requestedAt: string;
  expiresAt: string;
  state: ApprovalState;
  decision?: StepUpApproved['data'] & { verdict: 'approved' | 'denied' };
  consumed?: StepUpConsumed['data'];
}

interface Entry {
  orgId: string;
  aggregate: ApprovalAggregate;
  decision?: ApprovalView['decision'];
  consumed?: StepUpConsumed['data'];
}

/**
 * Approvals as the ledger has them (so any node can release a retry), and who registered each
 * agent (its owner: self-approval is refused). A request waiting for its approval is woken when
 * this read model applies the approval's next event, whichever node wrote it.
 */
@Injectable()
export class ApprovalsReadModel implements Projection {
  readonly name = 'approvals';
  readonly streamPrefixes = [APPROVAL_STREAM_PREFIX, AGENT_STREAM_PREFIX];
  private readonly byId = new Map<string, Entry>();
  private readonly owners = new Map<string, Actor>();
  private readonly byAgent = new Map<string, Set<string>>();
  private readonly watchers = new Map<string, Set<() => void>>();

  constructor(projector: ReadModelProjector) {
    projector.register(this);
  }

  apply(envelope: EventEnvelope): void {
    if (envelope.type === 'AgentRegistered') {
      const agentId = (envelope.data as { agentId?: unknown }).agentId;
      if (typeof agentId === 'string' && !this.owners.has(agentId)) this.owners.set(agentId, envelope.actor);
      return;
    }
    if (!envelope.stream.startsWith(APPROVAL_STREAM_PREFIX)) return;
    const event = { type: envelope.type, data: envelope.data } as ApprovalEvent;
    const approvalId = (event.data as { approvalId?: string }).approvalId ?? '';
    if (event.type !== 'StepUpRequested' && !this.byId.has(approvalId)) return;
    const entry = this.byId.get(approvalId) ?? { orgId: envelope.org, aggregate: approvalDecider.initialState() };
    switch (event.type) {
      case 'StepUpRequested':
        if (entry.aggregate.request) return;
        this.ofAgent(event.data.agentId).add(approvalId);
        break;
      case 'StepUpApproved':
      case 'StepUpDenied':
        if (entry.decision) return;
        entry.decision = { ...event.data, verdict: event.type === 'StepUpApproved' ? 'approved' : 'denied' };
        break;
      case 'StepUpConsumed':
        if (entry.consumed) return;
        entry.consumed = event.data;
        break;
      default:
        return;
    }
    entry.aggregate = approvalDecider.evolve(entry.aggregate, event);
    this.byId.set(approvalId, entry);
    for (const wake of this.watchers.get(approvalId) ?? []) wake();
  }

  ownerOf(agentId: string): Actor | undefined {
    return this.owners.get(agentId);
  }

  get(orgId: string, approvalId: string, nowMs: number): ApprovalView | undefined {
    const entry = this.byId.get(approvalId);
    return entry && entry.orgId === orgId ? viewOf(approvalId, entry, nowMs) : undefined;
  }

  list(orgId: string, nowMs: number, state?: ApprovalState): ApprovalView[] {
    const out: ApprovalView[] = [];
    for (const [id, entry] of this.byId) {
      if (entry.orgId !== orgId) continue;
      const view = viewOf(id, entry, nowMs);
      if (state === undefined || view.state === state) out.push(view);
    }
    return out;
  }

  /** An approved, unused, unexpired approval for exactly this call (agent, server, tool, arguments). */
  usableFor(orgId: string, call: { agentId: string; serverId: string; tool: string; argumentsDigest: string }, nowMs: number): ApprovalView | undefined {
    for (const id of this.byAgent.get(call.agentId) ?? []) {
      const entry = this.byId.get(id)!;
      const r = entry.aggregate.request;
      if (entry.orgId !== orgId || !r || r.agentId !== call.agentId || r.serverId !== call.serverId || r.tool !== call.tool || r.argumentsDigest !== call.argumentsDigest) continue;
      if (approvalStateAt(entry.aggregate, nowMs) === 'approved') return viewOf(id, entry, nowMs);
    }
    return undefined;
  }

  private ofAgent(agentId: string): Set<string> {
    let set = this.byAgent.get(agentId);
    if (!set) this.byAgent.set(agentId, (set = new Set()));
    return set;
  }

  /** Calls `wake` whenever this approval's stream moves on; returns the unsubscribe. */
  watch(approvalId: string, wake: () => void): () => void {
    const set = this.watchers.get(approvalId) ?? new Set();
    set.add(wake);
    this.watchers.set(approvalId, set);
    return () => {
      set.delete(wake);
      if (set.size === 0) this.watchers.delete(approvalId);
    };
  }
}

function viewOf(approvalId: string, entry: Entry, nowMs: number): ApprovalView {
  const r = entry.aggregate.request!;
  return {
    approvalId,
    orgId: entry.orgId,
    callId: r.callId,
    agentId: r.agentId,
    serverId: r.serverId,
    tool: r.tool,
    argumentsDigest: r.argumentsDigest,
    rules: r.rules,
    requestedAt: r.requestedAt,
    expiresAt: r.expiresAt,
    state: approvalStateAt(entry.aggregate, nowMs),
    ...(entry.decision ? { decision: entry.decision } : {}),
    ...(entry.consumed ? { consumed: entry.consumed } : {}),
  };
}
