import { Inject, Injectable } from '@nestjs/common';
import type { CallContext, Decision, Gate, GateVerdict } from '../gateway/tool-call/gate';
import { GateRegistry } from '../gateway/tool-call/gate-registry';
import { CLOCK, type Clock } from '../ledger/clock';
import { keyOf } from './call-keys';
import { identityOf } from './call-identity';
import { selects } from './compiled-limit-set';
import { RATE_WINDOWS } from './limit-set';
import { LimitCounters } from './limit-counters';
import { LimitSetsReadModel } from './limit-sets.read-model';
import { windowAt } from './windows';

/**
 * Requests per minute, hour and UTC day (fixed windows), per tool, agent, server and
 * organisation in any combination; every rule that selects the call is checked. A hit denies the
 * call with LIMIT.RATE_EXCEEDED and the figures of the hit whose window resets last (the wait
 * before the call could pass). A passing call is counted at once (reserved), so concurrent calls
 * see it; the reservation is released if the call is not allowed or its decision is not recorded.
 */
@Injectable()
export class RateLimitGate implements Gate {
  readonly name = 'rate-limit';

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
    if (!set || set.rates.length === 0) return { decision: 'allow', gate: this.name, code: 'LIMIT.NONE' };
    const nowMs = this.clock.nowMs();
    let worst: { limit: Record<string, unknown>; endMs: number } | undefined;
    const matches: NonNullable<GateVerdict['matches']> = [];
    const keys = new Map<string, string>();
    for (const { rule, dims, scope } of set.rates) {
      if (!selects(rule, resolved.identity)) continue;
      // Rules of one scope share a key: built (and hashed by the counters' maps) once per call.
      let key = keys.get(scope);
      if (key === undefined) keys.set(scope, (key = keyOf(resolved.facts, dims)));
      for (const window of RATE_WINDOWS) {
        const limit = rule[window];
        if (limit === undefined) continue;
        const current = this.counters.rateCount(window, key, nowMs);
        if (current < limit) continue;
        const { endMs } = windowAt(window, nowMs);
        if (!matches.some((m) => m.rule === rule.id)) matches.push({ rule: rule.id, decision: 'deny', code: 'LIMIT.RATE_EXCEEDED' });
        if (!worst || endMs > worst.endMs) {
          worst = {
            endMs,
            limit: { limitType: window, scope, rule: rule.id, limit, current, resetAt: new Date(endMs).toISOString(), retryAfterSeconds: Math.max(1, Math.ceil((endMs - nowMs) / 1000)) },
          };
        }
      }
    }
    if (worst) {
      const l = worst.limit;
      return { decision: 'deny', gate: this.name, code: 'LIMIT.RATE_EXCEEDED', detail: `rate limit ${String(l.rule)} reached: ${String(l.limit)} ${String(l.limitType)} per ${String(l.scope)}; retry after ${String(l.resetAt)}`, matches, limit: l };
    }
    this.counters.reserveCall(resolved.callId, resolved.facts, nowMs);
    return { decision: 'allow', gate: this.name, code: 'LIMIT.OK' };
  }

  settle(call: CallContext, decision: Decision, recorded: boolean): void {
    if (call.callId && (!recorded || (decision !== 'allow' && decision !== 'observe'))) this.counters.releaseCall(call.callId);
  }
}
