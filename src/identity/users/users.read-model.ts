import { Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@warden/ledger';
import type { Projection } from '../../ledger/projection';
import { ReadModelProjector } from '../../ledger/read-model-projector';
import type { Role } from '../principal';
import { USER_STREAM_PREFIX, type UserEvent } from './users.events';

export interface User {
  userId: string;
  orgId: string;
  name: string;
  roles: Role[];
  keyId: string;
  /** KeyHints digest of the current key: no character of it. */
  hint: string;
  expiresAt: string | null;
  revoked: boolean;
  createdAt: string;
  updatedAt: string;
  /** Revision of the user's stream: pass it back as expectedRevision to change the user safely. */
  revision: number;
}

/** Users by id and by the hash of their current key (authentication is one Map lookup). */
@Injectable()
export class UsersReadModel implements Projection {
  readonly name = 'users';
  readonly streamPrefixes = [USER_STREAM_PREFIX];
  private readonly byId = new Map<string, User>();
  private readonly idByKeyHash = new Map<string, string>();
  private readonly keyHashOf = new Map<string, string>();

  constructor(projector: ReadModelProjector) {
    projector.register(this);
  }

  apply(envelope: EventEnvelope): void {
    const event = { type: envelope.type, data: envelope.data } as UserEvent;
    if (event.type === 'UserCreated') {
      const { userId, orgId, name, roles, keyId, keyHash, hint, expiresAt } = event.data;
      this.byId.set(userId, { userId, orgId, name, roles, keyId, hint, expiresAt, revoked: false, createdAt: envelope.at, updatedAt: envelope.at, revision: envelope.seq });
      this.setKey(userId, keyHash);
      return;
    }
    const user = this.byId.get((event.data as { userId?: string }).userId ?? '');
    if (!user) return;
    user.updatedAt = envelope.at;
    user.revision = envelope.seq;
    switch (event.type) {
      case 'UserRolesChanged':
        user.roles = event.data.roles;
        break;
      case 'UserKeyRotated':
        Object.assign(user, { keyId: event.data.keyId, hint: event.data.hint, expiresAt: event.data.expiresAt });
        this.setKey(user.userId, event.data.keyHash);
        break;
      case 'UserRevoked':
        user.revoked = true;
        this.setKey(user.userId, undefined);
        break;
    }
  }

  byKeyHash(hash: string): User | undefined {
    const id = this.idByKeyHash.get(hash);
    return id === undefined ? undefined : this.byId.get(id);
  }

  get(orgId: string, userId: string): User | undefined {
    const user = this.byId.get(userId);
    return user?.orgId === orgId ? user : undefined;
  }

  list(orgId: string): User[] {
    return [...this.byId.values()].filter((u) => u.orgId === orgId);
  }

  private setKey(userId: string, keyHash: string | undefined): void {
    const previous = this.keyHashOf.get(userId);
    if (previous !== undefined) this.idByKeyHash.delete(previous);
    if (keyHash === undefined) {
      this.keyHashOf.delete(userId);
      return;
    }
    this.keyHashOf.set(userId, keyHash);
    this.idByKeyHash.set(keyHash, userId);
  }
}
