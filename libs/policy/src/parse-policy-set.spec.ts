import { parsePolicySet } from './parse-policy-set';

const valid = {
  defaults: { read: 'allow', write: { decision: 'allow', when: 'trust >= 60' }, destructive: 'step_up' },
  rules: [{ id: 'no-etc', tool: 'write_note', when: 'mcp.tool.arguments.path.startsWith("/etc/")', decision: 'deny' }],
};

describe('parsePolicySet', () => {
  it('accepts a well-formed set', () => {
    const parsed = parsePolicySet(valid);
    expect(parsed).toEqual({ ok: true, set: { defaults: { read: { decision: 'allow' }, write: { decision: 'allow', when: 'trust >= 60' }, destructive: { decision: 'step_up' } }, rules: valid.rules } });
  });

  it('refuses unknown keys at every level, naming where', () => {
    const parsed = parsePolicySet({ ...valid, extra: 1, defaults: { ...valid.defaults, admin: 'allow' }, rules: [{ ...valid.rules[0], sever: 'notes' }] });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.issues.filter((i) => i.code === 'POLICY.UNKNOWN_KEY').map((i) => i.path)).toEqual(['extra', 'defaults.admin', 'rules[0].sever']);
    expect(parsed.issues.find((i) => i.path === 'rules[0].sever')?.ruleId).toBe('no-etc');
  });

  it('refuses duplicate rule ids', () => {
    const parsed = parsePolicySet({ ...valid, rules: [valid.rules[0], { id: 'no-etc', decision: 'allow' }] });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues).toEqual([expect.objectContaining({ code: 'POLICY.DUPLICATE_RULE_ID', path: 'rules[1].id', ruleId: 'no-etc' })]);
  });

  it('requires a default for every class and a valid decision', () => {
    const parsed = parsePolicySet({ defaults: { read: 'allow', write: 'maybe' }, rules: [] });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues.map((i) => [i.path, i.code])).toEqual([
      ['defaults.write', 'POLICY.INVALID_DECISION'],
      ['defaults.destructive', 'POLICY.MISSING_DEFAULT'],
    ]);
  });

  it('refuses bad rule ids, methods and labels', () => {
    const parsed = parsePolicySet({ ...valid, rules: [{ id: 'bad id!', decision: 'deny' }, { id: 'r2', methods: ['tools/list'], decision: 'deny' }, { id: 'r3', labels: { team: 1 }, decision: 'deny' }] });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues.map((i) => i.path)).toEqual(['rules[0].id', 'rules[1].methods', 'rules[2].labels']);
  });

  it('refuses what is not an object', () => {
    expect(parsePolicySet([1]).ok).toBe(false);
    expect(parsePolicySet(null).ok).toBe(false);
  });
});
