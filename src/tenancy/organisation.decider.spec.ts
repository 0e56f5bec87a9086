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
