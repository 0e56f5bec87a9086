import { Inject, Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@warden/ledger';
import { WARDEN_CONFIG, type WardenConfig } from '../config/warden-config';
import { CLOCK, type Clock } from '../ledger/clock';
import type { Projection } from '../ledger/projection';
import { ReadModelProjector } from '../ledger/read-model-projector';
import { TRUST_STREAM_PREFIX, type AgentTrustAttested } from './trust.events';
import type { RecordedReason } from '../gateway/tool-call/tool-call.events';
import { arrayAt, numberAt, pairsAt, recordAt, stringAt, SnapshotShapeError } from '../ledger/snapshot-shape';
import { CallWindow, trustScore, UNATTESTED_BASE, type CallMark, type TrustInputs } from './trust-score';

interface AgentTrust {
  orgId: string;
  base: number;
  attestation?: { score: number; reason: string; by: EventEnvelope['actor']; at: string };
  window: CallWindow;
  /** Event time (epoch ms) of the latest event that changed this agent's inputs. */
  updatedAtMs: number;
}

export type TrustReading =
  | { state: 'known'; score: number; ageMs: number; updatedAt: string; inputs: TrustInputs; attestation?: AgentTrust['attestation'] }
  | { state: 'stale'; score: number; ageMs: number; updatedAt: string; inputs: TrustInputs; attestation?: AgentTrust['attestation']; why: string }
  | { state: 'unknown' };

/**
 * Trust scores per agent (trust-score.ts), a projection of the ledger rebuilt by replay: the
 * agent's registration (base 50), its attestations, and its calls (the `calls-` streams: only
 * ToolCallDecided and ToolCallFailed are looked at, O(1) each). A score is stale — and a rule that
 * reads it denies — when its inputs are older than WARDEN_TRUST_MAX_AGE_MS (nothing recorded of
 * the agent for that long: a call of its that is decided, or an attestation, refreshes it; a call
 * denied for want of a usable score does not), or when the projector has stopped (a failed event:
 * nothing after it is applied, so no score can be trusted).
 */
@Injectable()
export class TrustReadModel implements Projection {
  readonly name = 'trust';
  readonly streamPrefixes = ['calls-', TRUST_STREAM_PREFIX, 'agent-'];
  private readonly agents = new Map<string, AgentTrust>();

  constructor(
    private readonly projector: ReadModelProjector,
    @Inject(WARDEN_CONFIG) private readonly config: WardenConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    projector.register(this);
  }

  apply(envelope: EventEnvelope): void {
    switch (envelope.type) {
      case 'ToolCallDecided': {
        const data = envelope.data as { agentId?: string; callId?: string; decision?: string; reasons?: RecordedReason[] };
        const agent = this.agents.get(data.agentId ?? '');
        if (!agent || typeof data.callId !== 'string') return;
        // A denial for want of a usable score says nothing of the agent: it neither lowers the score nor refreshes it.
        if (data.decision === 'deny' && deniedForTrust(data.reasons)) return;
        agent.window.decided(data.callId, data.decision === 'deny');
        agent.updatedAtMs = Date.parse(envelope.at);
        return;
      }
      case 'ToolCallFailed': {
        const agent = envelope.actor.kind === 'agent' ? this.agents.get(envelope.actor.id) : undefined;
        const callId = (envelope.data as { callId?: string }).callId;
        if (!agent || typeof callId !== 'string') return;
        agent.window.failed(callId);
        agent.updatedAtMs = Date.parse(envelope.at);
        return;
      }
      case 'AgentRegistered': {
        const agentId = (envelope.data as { agentId?: string }).agentId;
        if (typeof agentId === 'string' && !this.agents.has(agentId)) {
          this.agents.set(agentId, { orgId: envelope.org, base: UNATTESTED_BASE, window: new CallWindow(), updatedAtMs: Date.parse(envelope.at) });
        }
        return;
      }
      case 'AgentTrustAttested': {
        const { agentId, score, reason } = envelope.data as AgentTrustAttested['data'];
        const agent = this.agents.get(agentId);
        if (!agent) return;
        agent.base = score;
        agent.attestation = { score, reason, by: envelope.actor, at: envelope.at };
        agent.window = new CallWindow();
        agent.updatedAtMs = Date.parse(envelope.at);
        return;
      }
      default:
        return;
    }
  }

  snapshot(): unknown {
    return {
      agents: [...this.agents].map(([agentId, a]) => [
        agentId,
        { orgId: a.orgId, base: a.base, ...(a.attestation ? { attestation: a.attestation } : {}), window: a.window.state(), updatedAtMs: a.updatedAtMs },
      ]),
    };
  }

  restore(state: unknown): void {
    const agents = pairsAt(recordAt(state, 'trust').agents, 'trust.agents').map(([agentId, value]) => [agentId, agentTrustOf(value, `trust.agents.${agentId}`)] as const);
    this.agents.clear();
    for (const [agentId, agent] of agents) this.agents.set(agentId, agent);
  }

  /** The agent's score as a policy may use it: fresh, stale (with why) or unknown. */
  readingOf(orgId: string, agentId: string): TrustReading {
    const agent = this.agents.get(agentId);
    if (!agent || agent.orgId !== orgId) return { state: 'unknown' };
    const inputs: TrustInputs = { base: agent.base, attested: agent.attestation !== undefined, calls: agent.window.size, denials: agent.window.denials, failures: agent.window.failures, findings: 0 };
    const ageMs = Math.max(0, this.clock.nowMs() - agent.updatedAtMs);
    const reading = { score: trustScore(inputs), ageMs, updatedAt: new Date(agent.updatedAtMs).toISOString(), inputs, ...(agent.attestation ? { attestation: agent.attestation } : {}) };
    const failure = this.projector.health().failure;
    if (failure) return { state: 'stale', ...reading, why: `the read-model projector stopped at position ${failure.position}` };
    if (ageMs > this.config.approvals.trustMaxAgeMs) return { state: 'stale', ...reading, why: `not updated for ${ageMs} ms (bound ${this.config.approvals.trustMaxAgeMs} ms)` };
    return { state: 'known', ...reading };
  }
}

const TRUST_CODES = new Set(['POLICY.TRUST_UNKNOWN', 'POLICY.TRUST_STALE']);

function deniedForTrust(reasons: RecordedReason[] | undefined): boolean {
  return reasons?.some((r) => TRUST_CODES.has(r.code) || r.matches?.some((m) => TRUST_CODES.has(m.code))) ?? false;
}

const MARKS: ReadonlySet<string> = new Set<CallMark>(['ok', 'denied', 'failed']);

function agentTrustOf(value: unknown, where: string): AgentTrust {
  const a = recordAt(value, where);
  const w = recordAt(a.window, `${where}.window`);
  const marks = arrayAt(w.marks, `${where}.window.marks`).map((m) => {
    if (typeof m !== 'string' || !MARKS.has(m)) throw new SnapshotShapeError(`${where}.window.marks[]`, 'ok, denied or failed');
    return m as CallMark;
  });
  const index = pairsAt(w.index, `${where}.window.index`).map(([id, at]) => [id, numberAt(at, `${where}.window.index[]`)] as [string, number]);
  const attestation = a.attestation === undefined ? undefined : recordAt(a.attestation, `${where}.attestation`);
  return {
    orgId: stringAt(a.orgId, `${where}.orgId`),
    base: numberAt(a.base, `${where}.base`),
    ...(attestation
      ? {
          attestation: {
            score: numberAt(attestation.score, `${where}.attestation.score`),
            reason: stringAt(attestation.reason, `${where}.attestation.reason`),
            by: recordAt(attestation.by, `${where}.attestation.by`) as unknown as EventEnvelope['actor'],
            at: stringAt(attestation.at, `${where}.attestation.at`),
          },
        }
      : {}),
    window: CallWindow.fromState({ marks, index, denials: numberAt(w.denials, `${where}.window.denials`), failures: numberAt(w.failures, `${where}.window.failures`) }),
    updatedAtMs: numberAt(a.updatedAtMs, `${where}.updatedAtMs`),
  };
}
