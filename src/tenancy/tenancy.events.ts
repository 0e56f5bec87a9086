import type { DomainEvent } from '../ledger/decider';

export type OrganisationCreated = DomainEvent<'OrganisationCreated', { orgId: string; name: string }>;
/** Only the key's hash and hint are recorded; the key itself is shown once to the caller. */
export type AdminKeyIssued = DomainEvent<'AdminKeyIssued', { orgId: string; keyId: string; keyHash: string; hint: string; label: string }>;

export type TenancyEvent = OrganisationCreated | AdminKeyIssued;

export const ORGANISATION_STREAM_PREFIX = 'org-';
export const organisationStream = (orgId: string) => `${ORGANISATION_STREAM_PREFIX}${orgId}`;
