/** Why a policy set is refused (errors) or what looks wrong in it (warnings), each with where. */
export interface PolicyIssue {
  /** Stable code, e.g. POLICY.UNKNOWN_KEY, POLICY.CEL_COMPILE_ERROR. */
  code: string;
  /** Where: `rules[2].when`, `defaults.write`. */
  path: string;
  message: string;
  ruleId?: string;
  /** For CEL errors: the position in the expression (1-based line and column, 0-based offset). */
  position?: { line: number; column: number; offset: number };
}

export class PolicySetInvalidError extends Error {
  constructor(readonly issues: PolicyIssue[]) {
    super(`policy set refused: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.name = 'PolicySetInvalidError';
  }
}
