import { Inject, Injectable } from '@nestjs/common';
import { hashApiKey } from '../common/api-keys';
import { WardenError } from '../common/warden-error';
import { CLOCK, type Clock } from '../ledger/clock';
import { OrganisationsReadModel } from '../tenancy/organisations.read-model';
import { PlatformOperatorsReadModel } from './platform/platform-operators.read-model';
import type { BearerAuthenticator, Principal } from './principal';
import { UsersReadModel } from './users/users.read-model';

/** warden's own API keys: each kind claims its prefix, and refuses (401) a key of its kind it does not know. */
const invalid = (what: string) => new WardenError('unauthenticated', 'AUTH.INVALID_KEY', `the API key is not a valid ${what} key`);

@Injectable()
export class PlatformKeyAuthenticator implements BearerAuthenticator {
  readonly name = 'platform-api-key';
  constructor(private readonly operators: PlatformOperatorsReadModel) {}

  authenticate(token: string): Principal | undefined {
    if (!token.startsWith('wdn_platform_')) return undefined;
    const operatorId = this.operators.operatorByKeyHash(hashApiKey(token));
    if (!operatorId) throw invalid('platform');
    return { kind: 'platform', operatorId };
  }
}

/** The bootstrap admin key of an organisation (AdminKeyIssued): a user with the role admin. */
@Injectable()
export class AdminKeyAuthenticator implements BearerAuthenticator {
  readonly name = 'admin-api-key';
  constructor(private readonly organisations: OrganisationsReadModel) {}

  authenticate(token: string): Principal | undefined {
    if (!token.startsWith('wdn_admin_')) return undefined;
    const admin = this.organisations.adminByKeyHash(hashApiKey(token));
    if (!admin) throw invalid('admin');
    return { kind: 'user', orgId: admin.orgId, userId: admin.keyId, roles: ['admin'], via: 'api-key' };
  }
}

@Injectable()
export class UserKeyAuthenticator implements BearerAuthenticator {
  readonly name = 'user-api-key';
  constructor(
    private readonly users: UsersReadModel,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  authenticate(token: string): Principal | undefined {
    if (!token.startsWith('wdn_user_')) return undefined;
    const user = this.users.byKeyHash(hashApiKey(token));
    if (!user || user.revoked) throw invalid('user');
    if (user.expiresAt !== null && Date.parse(user.expiresAt) <= this.clock.nowMs()) {
      throw new WardenError('unauthenticated', 'AUTH.KEY_EXPIRED', 'the API key has expired; an admin can rotate it');
    }
    return { kind: 'user', orgId: user.orgId, userId: user.userId, roles: user.roles, via: 'api-key' };
  }
}
