import type { DomainEvent } from '../ledger/decider';
import type { CredentialScheme } from './credential-schemes';

/**
 * The credential of a server, as the ledger knows it: scheme, version and a keyed fingerprint
 * (`#` + 16 hex chars of HMAC-SHA256 under the deployment's key-hint secret). Never the secret.
 */
interface CredentialFacts {
  serverId: string;
  scheme: CredentialScheme;
  version: number;
  fingerprint: string;
}

/** A credential was set (first, or replacing one, possibly with another scheme). */
export type CredentialSet = DomainEvent<'CredentialSet', CredentialFacts>;
/** A new secret for the same scheme: new calls use the new version; calls in flight finish with theirs. */
export type CredentialRotated = DomainEvent<'CredentialRotated', CredentialFacts & { previousVersion: number }>;
export type CredentialRemoved = DomainEvent<'CredentialRemoved', { serverId: string; version: number }>;

export type VaultEvent = CredentialSet | CredentialRotated | CredentialRemoved;

export const CREDENTIAL_STREAM_PREFIX = 'credential-';
export const credentialStream = (serverId: string) => `${CREDENTIAL_STREAM_PREFIX}${serverId}`;
