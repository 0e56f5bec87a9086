import type { DomainEvent } from '../../ledger/decider';
import type { Role } from '../principal';

/** A user's key is never recorded: only its SHA-256 and a keyed hint (KeyHints). */
export type UserCreated = DomainEvent<
  'UserCreated',
  { userId: string; orgId: string; name: string; roles: Role[]; keyId: string; keyHash: string; hint: string; expiresAt: string | null }
>;
export type UserRolesChanged = DomainEvent<'UserRolesChanged', { userId: string; orgId: string; roles: Role[] }>;
/** The previous key stops working at once. */
export type UserKeyRotated = DomainEvent<'UserKeyRotated', { userId: string; orgId: string; keyId: string; keyHash: string; hint: string; expiresAt: string | null }>;
export type UserRevoked = DomainEvent<'UserRevoked', { userId: string; orgId: string }>;

export type UserEvent = UserCreated | UserRolesChanged | UserKeyRotated | UserRevoked;

export const USER_STREAM_PREFIX = 'user-';
export const userStream = (userId: string) => `${USER_STREAM_PREFIX}${userId}`;
