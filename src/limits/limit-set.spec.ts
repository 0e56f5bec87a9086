import { WardenError } from '../common/warden-error';
import { compileLimitSet } from './compiled-limit-set';
import { keyOf, type CallFacts } from './call-keys';
import { parseLimitSet } from './limit-set';

const refusal = (raw: unknown): { field: unknown; message: string } => {
  try {
    parseLimitSet(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(WardenError);
    expect((error as WardenError).code).toBe('LIMIT.SET_INVALID');
    return { field: (error as WardenError).details.field, message: (error as WardenError).message };
  }
  throw new Error('expected LIMIT.SET_INVALID');
};

describe('parseLimitSet', () => {
  it('an empty set is valid: no rates, costs or caps', () => {
    expect(parseLimitSet({})).toEqual({ rates: [], costs: [], caps: [] });
  });

  it('keeps every window given on a rule, and only those', () => {
    const set = parseLimitSet({ rates: [{ id: 'r', rpm: 10, daily: 0 }], currency: 'EUR', caps: [{ id: 'c', monthly: 12.5 }] });
    expect(set.rates).toEqual([{ id: 'r', rpm: 10, daily: 0 }]);
    expect(set.caps).toEqual([{ id: 'c', monthly: 12.5 }]);
  });

  it('a rule without a window, or a count that is not a whole number, is refused naming the field', () => {
    expect(refusal({ rates: [{ id: 'r' }] }).field).toBe('rates[0]');
    expect(refusal({ rates: [{ id: 'r', rpm: 1.5 }] }).field).toBe('rates[0].rpm');
    expect(refusal({ rates: [{ id: 'r', rph: -1 }] }).field).toBe('rates[0].rph');
    expect(refusal({ rates: [{ id: 'r', daily: '10' }] }).field).toBe('rates[0].daily');
    expect(refusal({ currency: 'USD', caps: [{ id: 'c' }] }).field).toBe('caps[0]');
    expect(refusal({ currency: 'USD', caps: [{ id: 'c', daily: Number.POSITIVE_INFINITY }] }).field).toBe('caps[0].daily');
  });

  it('windows belong to their kind: a rate limit has no monthly, a cap no rpm', () => {
    expect(refusal({ rates: [{ id: 'r', monthly: 5 }] }).field).toBe('rates[0].monthly');
    expect(refusal({ currency: 'USD', caps: [{ id: 'c', rpm: 5 }] }).field).toBe('caps[0].rpm');
  });

  it('a tool is named with its server; a workflow selects caps only', () => {
    expect(refusal({ rates: [{ id: 'r', tool: 'search', rpm: 1 }] }).field).toBe('rates[0].tool');
    expect(refusal({ rates: [{ id: 'r', workflow: 'w', rpm: 1 }] }).field).toBe('rates[0].workflow');
    expect(refusal({ rates: [{ id: 'r', per: ['workflow'], rpm: 1 }] }).field).toBe('rates[0].per');
    expect(parseLimitSet({ currency: 'USD', caps: [{ id: 'c', workflow: 'w', per: ['workflow', 'agent'], daily: 1 }] }).caps[0]).toEqual({
      id: 'c',
      workflow: 'w',
      per: ['workflow', 'agent'],
      daily: 1,
    });
  });

  it('per lists distinct known dimensions; an empty per is the same as none', () => {
    expect(refusal({ rates: [{ id: 'r', per: ['agent', 'agent'], rpm: 1 }] }).field).toBe('rates[0].per');
    expect(refusal({ rates: [{ id: 'r', per: 'agent', rpm: 1 }] }).field).toBe('rates[0].per');
    expect(parseLimitSet({ rates: [{ id: 'r', per: [], rpm: 1 }] }).rates[0]).toEqual({ id: 'r', rpm: 1 });
  });

  it('rule ids are unique per kind (a rate and a cap may share one) and well formed', () => {
    expect(refusal({ rates: [{ id: 'r', rpm: 1 }, { id: 'r', rph: 1 }] }).field).toBe('rates[1].id');
    expect(parseLimitSet({ rates: [{ id: 'x', rpm: 1 }], currency: 'USD', caps: [{ id: 'x', daily: 1 }] }).caps[0].id).toBe('x');
    expect(refusal({ rates: [{ id: '-x', rpm: 1 }] }).field).toBe('rates[0].id');
    expect(refusal({ rates: [{ id: 'a'.repeat(65), rpm: 1 }] }).field).toBe('rates[0].id');
  });

  it('costs and caps need a currency; a tool has one cost; a server-wide cost and a tool cost may both be given', () => {
    expect(refusal({ costs: [{ server: 's', amount: 1 }] }).field).toBe('currency');
    expect(refusal({ caps: [{ id: 'c', daily: 1 }] }).field).toBe('currency');
    expect(refusal({ currency: 'usd', costs: [] }).field).toBe('currency');
    expect(refusal({ currency: 'USD', costs: [{ server: 's', tool: 't', amount: 1 }, { server: 's', tool: 't', amount: 2 }] }).field).toBe('costs[1]');
    expect(parseLimitSet({ currency: 'USD', costs: [{ server: 's', amount: 1 }, { server: 's', tool: 't', amount: 0.02 }] }).costs).toHaveLength(2);
  });

  it('refuses unknown keys at every level, naming them', () => {
    expect(refusal({ rate: [] }).field).toBe('rate');
    expect(refusal({ rates: [{ id: 'r', rpm: 1, burst: 2 }] }).field).toBe('rates[0].burst');
    expect(refusal({ currency: 'USD', costs: [{ server: 's', amount: 1, per: 'call' }] }).field).toBe('costs[0].per');
    expect(refusal({ currency: 'USD', caps: [{ id: 'c', daily: 1, onExceed: 'warn' }] }).field).toBe('caps[0].onExceed');
  });

  it('refuses what is not a set: arrays, null, too many rules', () => {
    expect(refusal([]).field).toBe('body');
    expect(refusal(null).field).toBe('body');
    expect(refusal({ rates: {} }).field).toBe('rates');
    expect(refusal({ rates: Array.from({ length: 1001 }, (_, i) => ({ id: `r${i}`, rpm: 1 })) }).field).toBe('rates');
  });
});

describe('a rule\'s combination of selectors and per: what it counts under', () => {
  const facts: CallFacts = { org: 'o', agent: 'a1', server: 's1', tool: 'search', workflow: 'w1' };
  const compiled = (rule: Record<string, unknown>, cap = false) => {
    const set = compileLimitSet(parseLimitSet(cap ? { currency: 'USD', caps: [{ id: 'x', daily: 1, ...rule }] } : { rates: [{ id: 'x', rpm: 1, ...rule }] }), 1);
    const [r] = cap ? set.caps : set.rates;
    return { scope: r.scope, key: keyOf(facts, r.dims).split('\u0001') };
  };

  it('neither: the whole organisation', () => {
    expect(compiled({})).toEqual({ scope: 'org', key: ['o', '*', '*', '*', '*'] });
  });

  it('a selector counts under its dimension, as per does', () => {
    expect(compiled({ agent: 'a1' })).toEqual({ scope: 'agent', key: ['o', 'a1', '*', '*', '*'] });
    expect(compiled({ per: ['agent'] })).toEqual(compiled({ agent: 'a1' }));
  });

  it('a tool is counted with its server, and the scope names the tool only', () => {
    expect(compiled({ server: 's1', tool: 'search' })).toEqual({ scope: 'tool', key: ['o', '*', 's1', 'search', '*'] });
    expect(compiled({ per: ['tool'] })).toEqual({ scope: 'tool', key: ['o', '*', 's1', 'search', '*'] });
    expect(compiled({ per: ['server'] })).toEqual({ scope: 'server', key: ['o', '*', 's1', '*', '*'] });
  });

  it('combinations: selector plus per, in a fixed order', () => {
    expect(compiled({ server: 's1', per: ['agent'] })).toEqual({ scope: 'agent+server', key: ['o', 'a1', 's1', '*', '*'] });
    expect(compiled({ per: ['tool', 'agent'] })).toEqual({ scope: 'agent+tool', key: ['o', 'a1', 's1', 'search', '*'] });
    expect(compiled({ workflow: 'w1', per: ['agent'] }, true)).toEqual({ scope: 'agent+workflow', key: ['o', 'a1', '*', '*', 'w1'] });
    expect(compiled({ per: ['workflow', 'tool', 'agent'] }, true)).toEqual({ scope: 'agent+tool+workflow', key: ['o', 'a1', 's1', 'search', 'w1'] });
  });

  it('a call without a workflow counts under the empty workflow, apart from every named one', () => {
    const rule = compileLimitSet(parseLimitSet({ currency: 'USD', caps: [{ id: 'x', per: ['workflow'], daily: 1 }] }), 1).caps[0];
    const { workflow: _w, ...noWorkflow } = facts;
    expect(keyOf(noWorkflow, rule.dims)).not.toBe(keyOf(facts, rule.dims));
    expect(keyOf(noWorkflow, rule.dims).endsWith('\u0001')).toBe(true);
  });
});
