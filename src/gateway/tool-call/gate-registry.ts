import { Injectable } from '@nestjs/common';
import { FOUNDATION_GATES } from './foundation-gates';
import { gateApplies, type CallContext, type RecordedCost, type Decision, type Gate } from './gate';
import { tokenScopeGate } from '../../identity/tokens/token-scope.gate';

/**
 * The gates every request passes: the foundation's and a capability token's scope, plus those a capability module registers
 * (policy, later trust, limits, guardrails) from its own provider, without editing the pipeline.
 */
@Injectable()
export class GateRegistry {
  private readonly gates: Gate[] = [...FOUNDATION_GATES, tokenScopeGate];
  private readonly byMethod = new Map<string, Gate[]>();

  register(gate: Gate): void {
    if (this.gates.some((g) => g.name === gate.name)) throw new Error(`gate ${gate.name} registered twice`);
    this.gates.push(gate);
    this.byMethod.clear();
  }

  /** The gates that judge this method, in registration order. */
  for(method: string): readonly Gate[] {
    let gates = this.byMethod.get(method);
    if (!gates) {
      gates = this.gates.filter((g) => gateApplies(g, method));
      this.byMethod.set(method, gates);
    }
    return gates;
  }

  /** Tells every gate of the call's method the combined decision (see Gate.settle). */
  settle(call: CallContext, decision: Decision, recorded: boolean): void {
    for (const gate of this.for(call.method)) gate.settle?.(call, decision, recorded);
  }

  /** The call's actual cost, as the first gate that knows one says; undefined when none does. */
  costOf(call: CallContext, result: Record<string, unknown>): RecordedCost | undefined {
    for (const gate of this.for(call.method)) {
      const cost = gate.costOf?.(call, result);
      if (cost) return cost;
    }
    return undefined;
  }
}
