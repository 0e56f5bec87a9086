import { WardenError } from '../../common/warden-error';
import type { CallCost, ContentFinding, Decision, GateVerdict } from './gate';
import type { RecordedReason } from './tool-call.events';

/** What the ledger keeps of a combined decision: every gate's reason, every policy rule id, the policy version. */
export function decisionRecord(
  decision: Decision,
  reasons: GateVerdict[],
): { decision: Decision; reasons: RecordedReason[]; rules?: string[]; policyVersion?: number; costEstimate?: CallCost; trust?: number; findings?: ContentFinding[] } {
  const recorded = reasons.map(({ gate, code, decision: d, matches, limit }) => ({ gate, code, decision: d, ...(matches ? { matches } : {}), ...(limit ? { limit } : {}) }));
  const rules = reasons.flatMap((r) => r.matches?.map((m) => m.rule) ?? []);
  const policyVersion = reasons.find((r) => r.policyVersion !== undefined)?.policyVersion;
  const costEstimate = reasons.find((r) => r.costEstimate !== undefined)?.costEstimate;
  const trust = reasons.find((r) => r.trust !== undefined)?.trust;
  const findings = reasons.flatMap((r) => r.findings ?? []);
  return {
    decision,
    reasons: recorded,
    ...(rules.length > 0 ? { rules } : {}),
    ...(policyVersion !== undefined ? { policyVersion } : {}),
    ...(costEstimate ? { costEstimate } : {}),
    ...(trust !== undefined ? { trust } : {}),
    ...(findings.length > 0 ? { findings } : {}),
  };
}

/**
 * The agent's error for a refused request. A tool call's step_up is held by the approvals module
 * (StepUpHold); where no approval can release it (a relayed method: resources, prompts,
 * completions) it is refused as a denial with GATE.STEP_UP_REQUIRED, naming the rule that asked for it.
 */
export function refusalOf(blocking: GateVerdict, decision: Decision, details: Record<string, unknown>): WardenError {
  const rules = blocking.matches?.filter((m) => m.decision === decision).map((m) => m.rule);
  const extra = { ...details, gate: blocking.gate, decision, ...(rules && rules.length > 0 ? { rules } : {}), ...blocking.limit };
  if (decision === 'step_up') {
    return new WardenError('denied', 'GATE.STEP_UP_REQUIRED', `${blocking.detail ?? 'this call needs an approval'}; approvals release tool calls only, so it is refused`, { ...extra, policyCode: blocking.code });
  }
  return new WardenError('denied', blocking.code, blocking.detail ?? 'denied', extra);
}
