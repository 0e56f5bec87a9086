import { compilePolicySet, type CompiledPolicySet } from './compile-policy-set';
import { evaluatePolicy, type PolicyFacts } from './evaluate-policy';
import { parsePolicySet } from './parse-policy-set';

function compiled(input: unknown): CompiledPolicySet {
  const parsed = parsePolicySet(input);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const result = compilePolicySet(parsed.set, { version: 3, digest: 'd' });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.compiled;
}

const facts = (over: Partial<PolicyFacts> = {}): PolicyFacts => ({
  method: 'tools/call',
  riskClass: 'read',
  server: { id: 'srv-1', slug: 'notes' },
  tool: { name: 'read_note', arguments: { path: '/tmp/a' } },
  agent: { id: 'ag-1', name: 'assistant', labels: {} },
  time: new Date('2026-01-05T10:00:00Z'),
  ...over,
});

const set = compiled({
  defaults: { read: 'allow', write: { decision: 'allow', when: 'trust >= 60' }, destructive: 'step_up' },
  rules: [
    { id: 'etc-is-off-limits', server: 'notes', when: 'mcp.tool.arguments.path.startsWith("/etc/")', decision: 'deny' },
    { id: 'billing-observed', labels: { team: 'billing' }, decision: 'observe' },
    { id: 'after-hours', when: 'request.time.getHours() >= 18', decision: 'step_up' },
    { id: 'bad-field', tool: 'odd', when: 'mcp.tool.arguments.nothere == 1', decision: 'allow' },
    { id: 'tmp-delete-ok', tool: 'delete_note', agent: 'assistant', when: 'mcp.tool.arguments.path.startsWith("/tmp/")', decision: 'allow' },
    { id: 'secret-uri', methods: ['resources/read'], when: 'mcp.resource.uri.startsWith("file:///secret")', decision: 'deny' },
  ],
});

describe('evaluatePolicy', () => {
  it('uses the class default when no rule matches', () => {
    expect(evaluatePolicy(set, facts())).toEqual({
      decision: 'allow',
      code: 'POLICY.CLASS_DEFAULT',
      detail: 'policy default.read: allow',
      matches: [{ rule: 'default.read', decision: 'allow', code: 'POLICY.CLASS_DEFAULT' }],
      version: 3,
    });
    expect(evaluatePolicy(set, facts({ riskClass: 'destructive', tool: { name: 'drop', arguments: { path: '/tmp/x' } } })).decision).toBe('step_up');
  });

  it('treats an unclassified tool as destructive', () => {
    expect(evaluatePolicy(set, facts({ riskClass: null })).matches[0].rule).toBe('default.destructive');
  });

  it('denies by a CEL rule on the arguments, scoped to the server', () => {
    const outcome = evaluatePolicy(set, facts({ tool: { name: 'read_note', arguments: { path: '/etc/passwd' } } }));
    expect(outcome).toEqual(expect.objectContaining({ decision: 'deny', code: 'POLICY.RULE_MATCHED', matches: [{ rule: 'etc-is-off-limits', decision: 'deny', code: 'POLICY.RULE_MATCHED' }] }));
    expect(evaluatePolicy(set, facts({ server: { id: 'srv-2', slug: 'files' }, tool: { name: 'read_note', arguments: { path: '/etc/passwd' } } })).decision).toBe('allow');
  });

  it('records every matching rule and lets the most restrictive win', () => {
    const outcome = evaluatePolicy(set, facts({ agent: { id: 'ag-1', name: 'assistant', labels: { team: 'billing' } }, time: new Date('2026-01-05T19:00:00Z') }));
    expect(outcome.decision).toBe('step_up');
    expect(outcome.matches.map((m) => m.rule)).toEqual(['billing-observed', 'after-hours']);
  });

  it('lets a matching rule loosen the class default', () => {
    const outcome = evaluatePolicy(set, facts({ riskClass: 'destructive', tool: { name: 'delete_note', arguments: { path: '/tmp/x' } } }));
    expect(outcome.decision).toBe('allow');
    expect(evaluatePolicy(set, facts({ riskClass: 'destructive', agent: { id: 'ag-2', name: 'other', labels: {} }, tool: { name: 'delete_note', arguments: { path: '/tmp/x' } } })).decision).toBe('step_up');
  });

  it('fails closed on a condition reading a missing field, recording the rule and the reason', () => {
    const outcome = evaluatePolicy(set, facts({ tool: { name: 'odd', arguments: { path: '/tmp/a' } } }));
    expect(outcome.decision).toBe('deny');
    expect(outcome.code).toBe('POLICY.EVAL_ERROR');
    expect(outcome.matches).toEqual([{ rule: 'bad-field', decision: 'deny', code: 'POLICY.EVAL_ERROR', error: expect.stringContaining('nothere') }]);
    expect(outcome.detail).toContain('bad-field');
  });

  it('fails closed when a condition needs the trust score and it is unknown, and uses it when known', () => {
    const write = facts({ riskClass: 'write', tool: { name: 'write_note', arguments: { path: '/tmp/a' } } });
    expect(evaluatePolicy(set, write)).toEqual(expect.objectContaining({ decision: 'deny', code: 'POLICY.TRUST_UNKNOWN' }));
    expect(evaluatePolicy(set, { ...write, trust: 75 }).decision).toBe('allow');
    expect(evaluatePolicy(set, { ...write, trust: 30 }).decision).toBe('deny');
  });

  it('fails closed as POLICY.TRUST_STALE when the score is there but stale', () => {
    const write = facts({ riskClass: 'write', tool: { name: 'write_note', arguments: { path: '/tmp/a' } }, trustProblem: 'POLICY.TRUST_STALE' });
    const outcome = evaluatePolicy(set, write);
    expect(outcome).toEqual(expect.objectContaining({ decision: 'deny', code: 'POLICY.TRUST_STALE' }));
    expect(outcome.detail).toContain('stale');
  });

  it('governs a resource read by its URI, as class read', () => {
    const read = facts({ method: 'resources/read', tool: undefined, resource: { uri: 'file:///secret/key' } });
    expect(evaluatePolicy(set, read)).toEqual(expect.objectContaining({ decision: 'deny', matches: [expect.objectContaining({ rule: 'secret-uri' })] }));
    expect(evaluatePolicy(set, { ...read, resource: { uri: 'file:///pub/a' } }).decision).toBe('allow');
  });
});

describe('compilePolicySet', () => {
  it('refuses a set whose condition does not compile, naming the rule and the position', () => {
    const parsed = parsePolicySet({ defaults: { read: 'allow', write: 'allow', destructive: 'deny' }, rules: [{ id: 'broken', when: 'agent.name ==', decision: 'deny' }] });
    if (!parsed.ok) throw new Error('shape is fine');
    const result = compilePolicySet(parsed.set, { version: 1, digest: 'd' });
    expect(result).toEqual({ ok: false, issues: [expect.objectContaining({ code: 'POLICY.CEL_COMPILE_ERROR', path: 'rules[0].when', ruleId: 'broken', position: expect.objectContaining({ line: 1 }) })] });
  });
});
