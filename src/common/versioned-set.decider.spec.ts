import { versionedSetDecider } from './versioned-set.decider';

describe('versionedSetDecider', () => {
  const decider = versionedSetDecider<'Apply', 'Applied', { rules: string[] }>('Applied', 'X.STALE_VERSION');
  const set = { rules: ['a'] };

  it('given nothing, when version 0 is the base, then version 1 is applied; the same digest again writes nothing', () => {
    const first = decider.decide({ type: 'Apply', set, digest: 'd1', baseVersion: 0 }, decider.initialState());
    expect(first).toEqual([{ type: 'Applied', data: { version: 1, digest: 'd1', set, baseVersion: 0 } }]);
    const state = decider.evolve(decider.initialState(), first[0]);
    expect(state).toEqual({ version: 1, digest: 'd1' });
    expect(decider.decide({ type: 'Apply', set, digest: 'd1', baseVersion: 1 }, state)).toEqual([]);
  });

  it('refuses a change based on another version with the stale code, naming both versions', () => {
    const state = { version: 3, digest: 'd3' };
    expect(() => decider.decide({ type: 'Apply', set, digest: 'd4', baseVersion: 2 }, state)).toThrow(
      expect.objectContaining({ kind: 'conflict', code: 'X.STALE_VERSION', details: { baseVersion: 2, currentVersion: 3 } }),
    );
  });
});
