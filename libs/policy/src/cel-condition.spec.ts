import { compileCondition, ITERATION_BOUND } from './cel-condition';

describe('compileCondition', () => {
  it('compiles and evaluates a condition on the bindings', () => {
    const compiled = compileCondition('mcp.tool.arguments.path.startsWith("/tmp/")');
    expect(compiled.ok).toBe(true);
    if (!compiled.ok) return;
    expect(compiled.condition.readsArguments).toBe(true);
    expect(compiled.condition.readsTrust).toBe(false);
    expect(compiled.condition.evaluate({ mcp: { tool: { arguments: { path: '/tmp/a' } } } })).toEqual({ ok: true, value: true });
    expect(compiled.condition.evaluate({ mcp: { tool: { arguments: { path: '/etc/a' } } } })).toEqual({ ok: true, value: false });
  });

  it('reports a syntax error with its position', () => {
    const compiled = compileCondition('true\n  && trust > 1 +');
    expect(compiled.ok).toBe(false);
    if (compiled.ok) return;
    expect(compiled.error.code).toBe('POLICY.CEL_COMPILE_ERROR');
    expect(compiled.error.position).toEqual({ line: 2, column: 16, offset: 20 });
  });

  it('refuses a variable that does not exist, with its position', () => {
    const compiled = compileCondition('agent.name == "a" || agnt.name == "b"');
    expect(compiled.ok).toBe(false);
    if (!compiled.ok) expect(compiled.error).toEqual({ code: 'POLICY.CEL_UNKNOWN_VARIABLE', message: expect.stringContaining('agnt'), position: { line: 1, column: 22, offset: 21 } });
  });

  it('lets comprehension variables through, and counts their body per element', () => {
    const once = compileCondition('mcp.tool.arguments.paths.all(p, p.startsWith("/tmp/"))');
    expect(once.ok).toBe(true);
    if (once.ok) expect(once.condition.cost).toBeGreaterThan(ITERATION_BOUND);
  });

  it('refuses an expression whose estimated cost is over the limit (nested comprehensions)', () => {
    const compiled = compileCondition('mcp.tool.arguments.a.all(x, mcp.tool.arguments.b.all(y, mcp.tool.arguments.c.exists(z, z.matches(x + y))))');
    expect(compiled.ok).toBe(false);
    if (!compiled.ok) expect(compiled.error.code).toBe('POLICY.CEL_TOO_COSTLY');
  });

  it('turns a missing field into an evaluation error, not an exception', () => {
    const compiled = compileCondition('mcp.tool.arguments.missing == "x"');
    if (!compiled.ok) throw new Error('should compile');
    expect(compiled.condition.evaluate({ mcp: { tool: { arguments: {} } } })).toEqual({ ok: false, error: expect.stringContaining('missing') });
  });

  it('refuses a result that is not a bool at evaluation', () => {
    const compiled = compileCondition('agent.name');
    if (!compiled.ok) throw new Error('should compile');
    expect(compiled.condition.evaluate({ agent: { name: 'a' } })).toEqual({ ok: false, error: 'the condition did not evaluate to a bool' });
  });

  it('notices a condition that reads trust', () => {
    const compiled = compileCondition('trust >= 60');
    expect(compiled.ok && compiled.condition.readsTrust).toBe(true);
  });
});
