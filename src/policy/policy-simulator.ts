import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '@warden/event-store';
import type { EventEnvelope } from '@warden/ledger';
import { PAYLOAD_STORE, type PayloadStore } from '@warden/payload-store';
import { compilePolicySet, evaluatePolicy, type PolicySet } from '@warden/policy';
import { AgentsReadModel, type Agent } from '../agents/agents.read-model';
import { combine, type Decision, type GateVerdict } from '../gateway/tool-call/gate';
import type { ToolCallDecidedData } from '../gateway/tool-call/tool-call.events';
import { ServersReadModel } from '../registry/servers.read-model';
import { policyFactsOf, type TrustFact } from './policy-facts';

/** The trust score the call was decided with, as recorded; none recorded = unknown (fail closed, as the gate did). */
const recordedTrust = (data: { trust?: unknown }): TrustFact =>
  typeof data.trust === 'number' ? { score: data.trust } : { problem: 'POLICY.TRUST_UNKNOWN' };

export const MAX_SIMULATED_CALLS = 10_000;

export interface SimulatedCall {
  callId: string;
  at: string;
  agentId: string;
  serverId: string | null;
  tool: string;
  recorded: Decision;
  simulated: Decision;
  rules: string[];
  /** The arguments were erased or unreadable: conditions on them saw none. */
  argumentsUnavailable?: boolean;
}

export interface SimulationReport {
  since: string;
  until: string;
  calls: number;
  changed: number;
  truncated: boolean;
  totals: { byRule: Record<string, number>; byAgent: Record<string, number>; byTool: Record<string, number> };
  /** The calls whose decision would differ. */
  differences: SimulatedCall[];
}

/**
 * Replays the recorded tool calls of an organisation (ToolCallDecided on its calls streams, read
 * through the event-store port) through a proposed set: the other gates' recorded verdicts stay
 * as they were, the policy gate's is recomputed. Arguments are decrypted (payload-store port)
 * only when a condition reads them. Risk classes, server slugs and agent names are today's.
 * Nothing is written.
 */
@Injectable()
export class PolicySimulator {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PAYLOAD_STORE) private readonly payloads: PayloadStore,
    private readonly servers: ServersReadModel,
    private readonly agents: AgentsReadModel,
  ) {}

  async simulate(org: string, set: PolicySet, digest: string, since: Date, until: Date): Promise<SimulationReport> {
    const compiled = compilePolicySet(set, { version: 0, digest });
    if (!compiled.ok) throw new Error('simulate a validated set only');
    const decided = await this.recordedDecisions(org, since, until);
    const report: SimulationReport = {
      since: since.toISOString(),
      until: until.toISOString(),
      calls: Math.min(decided.length, MAX_SIMULATED_CALLS),
      changed: 0,
      truncated: decided.length > MAX_SIMULATED_CALLS,
      totals: { byRule: {}, byAgent: {}, byTool: {} },
      differences: [],
    };
    for (const envelope of decided.slice(0, MAX_SIMULATED_CALLS)) {
      const data = envelope.data as unknown as ToolCallDecidedData;
      const server = data.serverId ? this.servers.get(org, data.serverId) : undefined;
      const tool = server?.tools.get(data.tool);
      let args: Record<string, unknown> = {};
      let argumentsUnavailable = false;
      if (compiled.compiled.readsArguments) {
        const lookup = await this.payloads.get(org, envelope.id).catch(() => ({ status: 'missing' as const }));
        if (lookup.status === 'present' && typeof lookup.content === 'object' && lookup.content !== null) args = lookup.content as Record<string, unknown>;
        else argumentsUnavailable = true;
      }
      const agent: Agent = this.agents.get(org, data.agentId) ?? { agentId: data.agentId, orgId: org, name: '', hint: '', servers: null, labels: {}, status: 'revoked', revision: -1, registeredAt: '', updatedAt: '' };
      const others = data.reasons.filter((r) => r.gate !== 'policy').map((r) => ({ gate: r.gate, code: r.code, decision: r.decision }) as GateVerdict);
      let policyVerdict: GateVerdict | undefined;
      let rules: string[] = [];
      if (tool && server) {
        const outcome = evaluatePolicy(compiled.compiled, policyFactsOf({ agent, requestedName: data.tool, server, tool, toolName: data.tool, method: 'tools/call', arguments: args, at: new Date(envelope.at) }, recordedTrust(data)));
        policyVerdict = { gate: 'policy', code: outcome.code, decision: outcome.decision };
        rules = outcome.matches.map((m) => m.rule);
      }
      const simulated = combine(policyVerdict ? [...others, policyVerdict] : others).decision;
      if (simulated === data.decision) continue;
      report.changed += 1;
      report.differences.push({
        callId: data.callId,
        at: envelope.at,
        agentId: data.agentId,
        serverId: data.serverId,
        tool: data.tool,
        recorded: data.decision,
        simulated,
        rules,
        ...(argumentsUnavailable ? { argumentsUnavailable } : {}),
      });
      for (const rule of rules) bump(report.totals.byRule, rule);
      bump(report.totals.byAgent, data.agentId);
      bump(report.totals.byTool, server ? `${server.slug}/${data.tool}` : data.tool);
    }
    return report;
  }

  /** ToolCallDecided of the org's calls streams (every node's), in the range, read to the end of the log as it is now. */
  private async recordedDecisions(org: string, since: Date, until: Date): Promise<EventEnvelope[]> {
    const found: EventEnvelope[] = [];
    const from = since.getTime();
    const to = until.getTime();
    const subscription = this.store.subscribeToAll({ filter: { streamPrefixes: [`calls-${org}-`] } }, (event: RecordedEvent) => {
      if (event.type !== 'ToolCallDecided') return;
      const envelope = event.data as EventEnvelope;
      const at = Date.parse(envelope.at);
      if (envelope.org === org && at >= from && at <= to && found.length <= MAX_SIMULATED_CALLS) found.push(envelope);
    });
    try {
      await subscription.caughtUp;
    } finally {
      await subscription.close();
    }
    return found;
  }
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}
