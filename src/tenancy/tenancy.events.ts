import type { DomainEvent } from '../ledger/decider';

export type OrganisationCreated = DomainEvent<'OrganisationCreated', { orgId: string; name: string }>;
/** Only the key's hash and hint are recorded; the key itself is shown once to the caller. */
export type AdminKeyIssued = DomainEvent<'AdminKeyIssued', { orgId: string; keyId: string; keyHash: string; hint: string; label: string }>;
/** The bootstrap admin key stops working (revoked like a user, through /v1/users). */
export type AdminKeyRevoked = DomainEvent<'AdminKeyRevoked', { orgId: string; keyId: string }>;
/** By the platform operator: the organisation's users and agents are refused until it is resumed. */
export type OrganisationSuspended = DomainEvent<'OrganisationSuspended', { orgId: string; reason: string | null }>;
export type OrganisationResumed = DomainEvent<'OrganisationResumed', { orgId: string }>;

export type TenancyEvent = OrganisationCreated | AdminKeyIssued | AdminKeyRevoked | OrganisationSuspended | OrganisationResumed;

export const ORGANISATION_STREAM_PREFIX = 'org-';
export const organisationStream = (orgId: string) => `${ORGANISATION_STREAM_PREFIX}${orgId}`;
