import { Injectable } from '@nestjs/common';
import { evaluatePolicy, GOVERNED_METHODS } from '@warden/policy';
import type { CallContext, Gate, GateVerdict } from '../gateway/tool-call/gate';
import { GateRegistry } from '../gateway/tool-call/gate-registry';
import { TrustReadModel } from '../trust/trust.read-model';
import { PoliciesReadModel } from './policies.read-model';
import { policyFactsOf, type TrustFact } from './policy-facts';

/**
 * The organisation's policy set as a gate (DESIGN.md §5: tool risk class and policy). An org
 * without a policy set keeps the foundation's behaviour (approved tools are callable), and says so.
 * A tool call with no resolved tool is left to the tool-state gate.
 */
@Injectable()
export class PolicyGate implements Gate {
  readonly name = 'policy';
  readonly methods = GOVERNED_METHODS;

  constructor(
    private readonly policies: PoliciesReadModel,
    private readonly trust: TrustReadModel,
    registry: GateRegistry,
  ) {
    registry.register(this);
  }

  evaluate(call: CallContext): GateVerdict {
    if (call.method === 'tools/call' && !call.tool) return { decision: 'allow', gate: this.name, code: 'GATE.NOT_APPLICABLE' };
    const inForce = this.policies.current(call.agent.orgId);
    if (!inForce) return { decision: 'allow', gate: this.name, code: 'POLICY.NONE', detail: 'no policy set applied' };
    if (inForce.kind === 'broken') {
      return { decision: 'deny', gate: this.name, code: 'POLICY.SET_UNUSABLE', detail: `policy version ${inForce.version} cannot be used, so everything is denied`, policyVersion: inForce.version };
    }
    const trust = this.trustOf(call);
    const outcome = evaluatePolicy(inForce.compiled, policyFactsOf(call, trust));
    return {
      ...(trust.score !== undefined ? { trust: trust.score } : {}),
      decision: outcome.decision,
      gate: this.name,
      code: outcome.code,
      detail: outcome.detail,
      matches: outcome.matches.map(({ rule, decision, code }) => ({ rule, decision, code })),
      policyVersion: outcome.version,
    };
  }

  /** Fail closed: only a fresh score is a fact; a stale or unknown one makes any rule that reads it deny. */
  private trustOf(call: CallContext): TrustFact {
    const reading = this.trust.readingOf(call.agent.orgId, call.agent.agentId);
    if (reading.state === 'known') return { score: reading.score };
    return { problem: reading.state === 'stale' ? 'POLICY.TRUST_STALE' : 'POLICY.TRUST_UNKNOWN' };
  }
}
