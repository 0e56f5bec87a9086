import { Inject, Injectable } from '@nestjs/common';
import type { CallContext, Decision, Gate, GateVerdict, RecordedCost } from '../gateway/tool-call/gate';
import { GateRegistry } from '../gateway/tool-call/gate-registry';
import { CLOCK, type Clock } from '../ledger/clock';
import { keyOf } from './call-keys';
import { identityOf } from './call-identity';
import { fixedCostOf, selects } from './compiled-limit-set';
import { CAP_WINDOWS } from './limit-set';
import { LimitCounters, MICROS, toMicros } from './limit-counters';
import { LimitSetsReadModel } from './limit-sets.read-model';
import { windowAt } from './windows';

/** The `_meta` key of a result under which an upstream reports what the call cost: `{ amount, currency }`. */
export const COST_META = 'io.warden/cost';

/**
 * Spend caps per tool, agent, workflow and organisation, per UTC day and calendar month. The
 * call's cost is estimated first (the tool's fixed cost, else the average of its recent reported
 * costs, else 0); an estimate that would take a cap's spend above it denies the call
 * (LIMIT.SPEND_CAP) or, for a cap with onExceed step_up, asks for a step-up. The estimate is
 * reserved until the call's actual cost is recorded (ToolCallCompleted.data.cost).
 */
@Injectable()
export class SpendCapGate implements Gate {
  readonly name = 'spend-cap';

  constructor(
    private readonly limitSets: LimitSetsReadModel,
    private readonly counters: LimitCounters,
    @Inject(CLOCK) private readonly clock: Clock,
    registry: GateRegistry,
  ) {
    registry.register(this);
  }

  evaluate(call: CallContext): GateVerdict {
    const resolved = identityOf(call);
    if (!resolved) return { decision: 'allow', gate: this.name, code: 'GATE.NOT_APPLICABLE' };
    const set = this.limitSets.compiledFor(call.agent.orgId);
    if (!set || set.currency === undefined) return { decision: 'allow', gate: this.name, code: 'LIMIT.NONE' };
    const { identity, facts } = resolved;
    const estimate = fixedCostOf(set, identity) ?? this.counters.costs.recentAverage(facts.org, facts.server, facts.tool, set.currency) ?? 0;
    const estimateMicros = toMicros(estimate);
    const costEstimate = { amount: estimateMicros / MICROS, currency: set.currency };
    const nowMs = this.clock.nowMs();
    let decision: Decision = 'allow';
    let first: Record<string, unknown> | undefined;
    const matches: NonNullable<GateVerdict['matches']> = [];
    const keys = new Map<string, string>();
    for (const { rule, dims, scope } of set.caps) {
      if (!selects(rule, identity)) continue;
      // Rules of one scope share a key: built (and hashed by the counters' maps) once per call.
      let key = keys.get(scope);
      if (key === undefined) keys.set(scope, (key = keyOf(facts, dims)));
      for (const window of CAP_WINDOWS) {
        const cap = rule[window];
        if (cap === undefined) continue;
        const spent = this.counters.spentMicros(window, key, nowMs);
        if (spent + estimateMicros <= toMicros(cap)) continue;
        const ruleDecision: Decision = rule.onExceed === 'step_up' ? 'step_up' : 'deny';
        if (!matches.some((m) => m.rule === rule.id)) matches.push({ rule: rule.id, decision: ruleDecision, code: 'LIMIT.SPEND_CAP' });
        const { endMs } = windowAt(window, nowMs);
        const hit = { limitType: window, scope, rule: rule.id, cap, spent: spent / MICROS, estimate: costEstimate.amount, currency: set.currency, resetAt: new Date(endMs).toISOString() };
        if (!first || (ruleDecision === 'deny' && decision !== 'deny')) first = hit;
        if (ruleDecision === 'deny' || decision === 'allow') decision = ruleDecision;
      }
    }
    if (first) {
      return { decision, gate: this.name, code: 'LIMIT.SPEND_CAP', detail: `spend cap ${String(first.rule)} would be exceeded (${String(first.limitType)})`, matches, limit: first, costEstimate };
    }
    this.counters.reserveSpend(resolved.callId, facts, nowMs, estimateMicros);
    return { decision: 'allow', gate: this.name, code: 'LIMIT.OK', costEstimate };
  }

  settle(call: CallContext, decision: Decision, recorded: boolean): void {
    if (call.callId && (!recorded || (decision !== 'allow' && decision !== 'observe'))) this.counters.releaseSpend(call.callId);
  }

  /** The upstream's reported cost (in the set's currency), else the tool's fixed cost. */
  costOf(call: CallContext, result: Record<string, unknown>): RecordedCost | undefined {
    const resolved = identityOf(call);
    const set = resolved && this.limitSets.compiledFor(call.agent.orgId);
    if (!resolved || !set || set.currency === undefined) return undefined;
    const meta = result._meta;
    const reported = typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>)[COST_META] : undefined;
    if (typeof reported === 'object' && reported !== null) {
      const { amount, currency } = reported as Record<string, unknown>;
      if (typeof amount === 'number' && Number.isFinite(amount) && amount >= 0 && amount <= 1e9 && currency === set.currency) {
        return { amount: toMicros(amount) / MICROS, currency, source: 'reported' };
      }
    }
    const fixed = fixedCostOf(set, resolved.identity);
    return fixed === undefined ? undefined : { amount: fixed, currency: set.currency, source: 'fixed' };
  }
}
