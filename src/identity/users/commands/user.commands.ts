import { Command } from '@nestjs/cqrs';
import type { Actor } from '@warden/ledger';
import type { Role } from '../../principal';
import type { UserView } from '../user.view';

export interface UserWithKey {
  user: UserView;
  /** Present when a key was issued (create, rotate): shown once. */
  apiKey?: string;
}

export class CreateUserCommand extends Command<UserWithKey> {
  constructor(
    readonly orgId: string,
    readonly name: string,
    readonly roles: Role[],
    readonly expiresAt: string | null,
    readonly actor: Actor,
  ) {
    super();
  }
}

export type UserChange = { kind: 'roles'; roles: Role[] } | { kind: 'rotate-key'; expiresAt: string | null } | { kind: 'revoke' };

export class ChangeUserCommand extends Command<UserWithKey> {
  constructor(
    readonly orgId: string,
    readonly userId: string,
    readonly change: UserChange,
    readonly expectedRevision: number | undefined,
    readonly actor: Actor,
  ) {
    super();
  }
}
