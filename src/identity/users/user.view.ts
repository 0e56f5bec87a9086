import type { AdminKey } from '../../tenancy/organisations.read-model';
import type { Role } from '../principal';
import type { User } from './users.read-model';

export interface UserView {
  userId: string;
  orgId: string;
  name: string;
  roles: Role[];
  /** 'bootstrap-key': the organisation's first admin key; it can be revoked, not changed. */
  kind: 'user' | 'bootstrap-key';
  hint: string;
  expiresAt: string | null;
  revoked: boolean;
  createdAt: string;
  revision: number | null;
}

export const userView = (u: User): UserView => ({
  userId: u.userId,
  orgId: u.orgId,
  name: u.name,
  roles: [...u.roles],
  kind: 'user',
  hint: u.hint,
  expiresAt: u.expiresAt,
  revoked: u.revoked,
  createdAt: u.createdAt,
  revision: u.revision,
});

export const adminKeyView = (k: AdminKey): UserView => ({
  userId: k.keyId,
  orgId: k.orgId,
  name: `admin key (${k.label})`,
  roles: ['admin'],
  kind: 'bootstrap-key',
  hint: k.hint,
  expiresAt: null,
  revoked: k.revoked,
  createdAt: k.issuedAt,
  revision: null,
});
