export * from './policy-set';
export * from './policy-issues';
export { parsePolicySet, MAX_RULES, MAX_EXPRESSION_LENGTH, type ParsedPolicySet } from './parse-policy-set';
export { compileCondition, POLICY_VARIABLES, ITERATION_BOUND, DEFAULT_COST_LIMIT, type CompiledCondition, type ConditionError } from './cel-condition';
export { compilePolicySet, type CompiledPolicySet, type CompiledRule, type CompiledPolicySetResult } from './compile-policy-set';
export { evaluatePolicy, defaultRuleId, type PolicyFacts, type PolicyOutcome, type PolicyMatch } from './evaluate-policy';
export { policySetDigest } from './policy-digest';
export { diffPolicySets, type PolicyDiff } from './policy-diff';
