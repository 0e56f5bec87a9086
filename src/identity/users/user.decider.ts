import { WardenError } from '../../common/warden-error';
import type { Decider } from '../../ledger/decider';
import type { Role } from '../principal';
import type { UserEvent } from './users.events';

interface KeyMaterial {
  keyId: string;
  keyHash: string;
  hint: string;
  expiresAt: string | null;
}

/** `expectedRevision`: the revision the caller last saw; a change made since then wins (409 CONFLICT.STALE_REVISION). */
export type UserCommand =
  | ({ type: 'CreateUser'; userId: string; orgId: string; name: string; roles: Role[] } & KeyMaterial)
  | { type: 'ChangeRoles'; roles: Role[]; expectedRevision?: number }
  | ({ type: 'RotateKey'; expectedRevision?: number } & KeyMaterial)
  | { type: 'RevokeUser'; expectedRevision?: number };

export interface UserState {
  userId: string | null;
  orgId: string | null;
  revoked: boolean;
  roles: Role[];
  /** Revision of the stream's last event (-1: no stream). */
  revision: number;
}

const sameRoles = (a: readonly Role[], b: readonly Role[]) => a.length === b.length && a.every((r) => b.includes(r));

export const userDecider: Decider<UserCommand, UserEvent, UserState> = {
  initialState: () => ({ userId: null, orgId: null, revoked: false, roles: [], revision: -1 }),

  evolve(state, event) {
    const revision = state.revision + 1;
    switch (event.type) {
      case 'UserCreated':
        return { ...state, userId: event.data.userId, orgId: event.data.orgId, roles: event.data.roles, revision };
      case 'UserRolesChanged':
        return { ...state, roles: event.data.roles, revision };
      case 'UserKeyRotated':
        return { ...state, revision };
      case 'UserRevoked':
        return { ...state, revoked: true, revision };
      default: {
        const unknown: never = event;
        return unknown;
      }
    }
  },

  decide(command, state) {
    if (command.type === 'CreateUser') {
      if (state.userId !== null) throw new WardenError('conflict', 'USERS.EXISTS', 'user already exists');
      const { type: _type, ...data } = command;
      return [{ type: 'UserCreated', data }];
    }
    if (state.userId === null || state.orgId === null) throw new WardenError('not_found', 'USERS.UNKNOWN', 'no such user in this organisation');
    if (command.expectedRevision !== undefined && command.expectedRevision !== state.revision) {
      throw new WardenError('conflict', 'CONFLICT.STALE_REVISION', `the user changed since revision ${command.expectedRevision}; read it again`, {
        expectedRevision: command.expectedRevision,
        revision: state.revision,
      });
    }
    if (state.revoked) throw new WardenError('conflict', 'USERS.REVOKED', 'the user is revoked; a revoked user cannot be changed or reactivated', { state: 'revoked' });
    const ids = { userId: state.userId, orgId: state.orgId };
    switch (command.type) {
      case 'ChangeRoles':
        if (sameRoles(command.roles, state.roles)) return [];
        return [{ type: 'UserRolesChanged', data: { ...ids, roles: command.roles } }];
      case 'RotateKey':
        return [{ type: 'UserKeyRotated', data: { ...ids, keyId: command.keyId, keyHash: command.keyHash, hint: command.hint, expiresAt: command.expiresAt } }];
      case 'RevokeUser':
        return [{ type: 'UserRevoked', data: ids }];
      default: {
        const unknown: never = command;
        return unknown;
      }
    }
  },
};
