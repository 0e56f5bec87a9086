import { organisationDecider as decider } from './organisation.decider';
import type { TenancyEvent } from './tenancy.events';

const given = (events: TenancyEvent[]) => events.reduce(decider.evolve, decider.initialState());

describe('organisation decider', () => {
  it('creates an organisation once', () => {
    expect(decider.decide({ type: 'CreateOrganisation', orgId: 'o1', name: 'Acme' }, given([]))).toEqual([
      { type: 'OrganisationCreated', data: { orgId: 'o1', name: 'Acme' } },
    ]);
    const created: TenancyEvent = { type: 'OrganisationCreated', data: { orgId: 'o1', name: 'Acme' } };
    expect(() => decider.decide({ type: 'CreateOrganisation', orgId: 'o1', name: 'Acme' }, given([created]))).toThrow(
      expect.objectContaining({ code: 'TENANCY.ORG_EXISTS' }),
    );
  });

  it('refuses an admin key for an organisation that does not exist', () => {
    expect(() =>
      decider.decide({ type: 'IssueAdminKey', orgId: 'o1', keyId: 'k', keyHash: 'h', hint: 'wdn', label: 'x' }, given([])),
    ).toThrow(expect.objectContaining({ code: 'TENANCY.ORG_UNKNOWN' }));
  });
});

describe('organisation decider: suspension and admin keys', () => {
  const created: TenancyEvent = { type: 'OrganisationCreated', data: { orgId: 'o1', name: 'Acme' } };
  const suspended: TenancyEvent = { type: 'OrganisationSuspended', data: { orgId: 'o1', reason: null } };
  const key: TenancyEvent = { type: 'AdminKeyIssued', data: { orgId: 'o1', keyId: 'k1', keyHash: 'h', hint: 'x', label: 'bootstrap' } };

  it('suspends an active organisation and resumes a suspended one; the other way round is a 409 naming the state', () => {
    expect(decider.decide({ type: 'SuspendOrganisation', orgId: 'o1', reason: 'unpaid' }, given([created]))).toEqual([
      { type: 'OrganisationSuspended', data: { orgId: 'o1', reason: 'unpaid' } },
    ]);
    expect(() => decider.decide({ type: 'SuspendOrganisation', orgId: 'o1', reason: null }, given([created, suspended]))).toThrow(
      expect.objectContaining({ code: 'TENANCY.ORG_ALREADY_SUSPENDED', details: { state: 'suspended' } }),
    );
    expect(decider.decide({ type: 'ResumeOrganisation', orgId: 'o1' }, given([created, suspended]))).toEqual([{ type: 'OrganisationResumed', data: { orgId: 'o1' } }]);
    expect(() => decider.decide({ type: 'ResumeOrganisation', orgId: 'o1' }, given([created]))).toThrow(
      expect.objectContaining({ code: 'TENANCY.ORG_NOT_SUSPENDED', details: { state: 'active' } }),
    );
  });

  it('revokes an admin key once, and only one it issued', () => {
    const revoke = { type: 'RevokeAdminKey' as const, orgId: 'o1', keyId: 'k1' };
    expect(decider.decide(revoke, given([created, key]))).toEqual([{ type: 'AdminKeyRevoked', data: { orgId: 'o1', keyId: 'k1' } }]);
    const revoked: TenancyEvent = { type: 'AdminKeyRevoked', data: { orgId: 'o1', keyId: 'k1' } };
    expect(() => decider.decide(revoke, given([created, key, revoked]))).toThrow(expect.objectContaining({ code: 'USERS.REVOKED' }));
    expect(() => decider.decide({ ...revoke, keyId: 'other' }, given([created, key]))).toThrow(expect.objectContaining({ code: 'USERS.UNKNOWN' }));
  });
});
