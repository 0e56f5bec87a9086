import { canonicalJson } from '@warden/ledger';
import type { PolicySet, RiskClass } from './policy-set';
import { POLICY_RISK_CLASSES } from './policy-set';

export interface PolicyDiff {
  rulesAdded: string[];
  rulesRemoved: string[];
  rulesChanged: string[];
  defaultsChanged: RiskClass[];
  unchanged: boolean;
}

/** What a proposed set changes against the one in force (none: everything is added). */
export function diffPolicySets(current: PolicySet | undefined, proposed: PolicySet): PolicyDiff {
  const before = new Map((current?.rules ?? []).map((r) => [r.id, canonicalJson(r)]));
  const after = new Map(proposed.rules.map((r) => [r.id, canonicalJson(r)]));
  const rulesAdded = [...after.keys()].filter((id) => !before.has(id));
  const rulesRemoved = [...before.keys()].filter((id) => !after.has(id));
  const rulesChanged = [...after.keys()].filter((id) => before.has(id) && before.get(id) !== after.get(id));
  const defaultsChanged = POLICY_RISK_CLASSES.filter((c) => !current || canonicalJson(current.defaults[c]) !== canonicalJson(proposed.defaults[c]));
  const orderChanged = current !== undefined && canonicalJson(current) !== canonicalJson(proposed);
  const unchanged = rulesAdded.length + rulesRemoved.length + rulesChanged.length + defaultsChanged.length === 0 && !orderChanged;
  return { rulesAdded, rulesRemoved, rulesChanged, defaultsChanged, unchanged };
}
