import { guardrailSetDecider } from './guardrail-set.decider';

const set = { rules: [{ id: 'r', detector: 'email', action: 'warn' as const }] };

describe('guardrailSetDecider', () => {
  it('appends version + 1 on the base version, nothing for the set in force, refuses a stale base', () => {
    const first = guardrailSetDecider.decide({ type: 'ApplyGuardrailSet', set, digest: 'd1', baseVersion: 0 }, guardrailSetDecider.initialState());
    expect(first).toEqual([{ type: 'GuardrailSetApplied', data: { version: 1, digest: 'd1', set, baseVersion: 0 } }]);
    const state = guardrailSetDecider.evolve(guardrailSetDecider.initialState(), first[0]);
    expect(guardrailSetDecider.decide({ type: 'ApplyGuardrailSet', set, digest: 'd1', baseVersion: 1 }, state)).toEqual([]);
    expect(() => guardrailSetDecider.decide({ type: 'ApplyGuardrailSet', set, digest: 'd2', baseVersion: 0 }, state)).toThrow(expect.objectContaining({ code: 'GUARDRAILS.STALE_VERSION' }));
  });
});
