import type { PolicySet } from '@warden/policy';
import { WardenError } from '../common/warden-error';
import { policySetDecider } from './policy-set.decider';

const set: PolicySet = { defaults: { read: { decision: 'allow' }, write: { decision: 'allow' }, destructive: { decision: 'deny' } }, rules: [] };
const given = (...versions: string[]) =>
  versions.reduce((state, digest, i) => policySetDecider.evolve(state, { type: 'PolicySetApplied', data: { version: i + 1, digest, set, baseVersion: i } }), policySetDecider.initialState());

describe('policySetDecider', () => {
  it('applies a set on top of the version it was based on', () => {
    expect(policySetDecider.decide({ type: 'ApplyPolicySet', set, digest: 'b', baseVersion: 1 }, given('a'))).toEqual([
      { type: 'PolicySetApplied', data: { version: 2, digest: 'b', set, baseVersion: 1 } },
    ]);
  });

  it('refuses a change based on an older version (no lost update)', () => {
    let error: unknown;
    try {
      policySetDecider.decide({ type: 'ApplyPolicySet', set, digest: 'c', baseVersion: 1 }, given('a', 'b'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WardenError);
    expect(error).toEqual(expect.objectContaining({ code: 'POLICY.STALE_VERSION', details: { baseVersion: 1, currentVersion: 2 } }));
  });

  it('changes nothing when the set in force is applied again', () => {
    expect(policySetDecider.decide({ type: 'ApplyPolicySet', set, digest: 'a', baseVersion: 1 }, given('a'))).toEqual([]);
  });

  it('records a rollback as a new version that names the one it restores', () => {
    expect(policySetDecider.decide({ type: 'ApplyPolicySet', set, digest: 'a', baseVersion: 2, rollbackOf: 1 }, given('a', 'b'))[0].data).toEqual(
      expect.objectContaining({ version: 3, digest: 'a', rollbackOf: 1 }),
    );
  });
});
