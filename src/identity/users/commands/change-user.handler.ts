import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { issueApiKey } from '../../../common/api-keys';
import { KeyHints } from '../../../common/key-hints';
import { WardenError } from '../../../common/warden-error';
import { AggregateStore } from '../../../ledger/aggregate-store';
import { CLOCK, ID_GENERATOR, type Clock, type IdGenerator } from '../../../ledger/clock';
import { organisationDecider } from '../../../tenancy/organisation.decider';
import { OrganisationsReadModel } from '../../../tenancy/organisations.read-model';
import { organisationStream } from '../../../tenancy/tenancy.events';
import { userDecider, type UserCommand } from '../user.decider';
import { adminKeyView, userView } from '../user.view';
import { userStream } from '../users.events';
import { UsersReadModel, type User } from '../users.read-model';
import { ChangeUserCommand, type UserWithKey } from './user.commands';
import { futureExpiry } from './user-keys';

/**
 * Changes roles, rotates the key or revokes a user (or an organisation's bootstrap admin key,
 * which can only be revoked). Changes that could take away an organisation's admin run one at a
 * time per organisation, so two admins cannot revoke each other and leave none.
 */
@CommandHandler(ChangeUserCommand)
export class ChangeUserHandler implements ICommandHandler<ChangeUserCommand, UserWithKey> {
  private readonly orgQueues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly aggregates: AggregateStore,
    private readonly users: UsersReadModel,
    private readonly organisations: OrganisationsReadModel,
    private readonly hints: KeyHints,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  execute(command: ChangeUserCommand): Promise<UserWithKey> {
    const previous = this.orgQueues.get(command.orgId) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.change(command));
    this.orgQueues.set(command.orgId, run);
    void run.finally(() => {
      if (this.orgQueues.get(command.orgId) === run) this.orgQueues.delete(command.orgId);
    }).catch(() => undefined);
    return run;
  }

  private async change(command: ChangeUserCommand): Promise<UserWithKey> {
    const { orgId, userId, change } = command;
    const adminKey = this.organisations.adminKey(orgId, userId);
    if (adminKey) {
      if (change.kind !== 'revoke') {
        throw new WardenError('conflict', 'USERS.BOOTSTRAP_KEY_FIXED', 'a bootstrap admin key can only be revoked; create users for other roles', { state: 'bootstrap-key' });
      }
      if (!adminKey.revoked) this.assertNotLastAdmin(orgId);
      await this.aggregates.handle(organisationDecider, { type: 'RevokeAdminKey', orgId, keyId: userId }, { stream: organisationStream(orgId), org: orgId, actor: command.actor });
      return { user: adminKeyView(this.organisations.adminKey(orgId, userId)!) };
    }
    const user = this.users.get(orgId, userId);
    if (!user) throw new WardenError('not_found', 'USERS.UNKNOWN', `no user ${userId} in this organisation`);
    const losesAdmin = user.roles.includes('admin') && (change.kind === 'revoke' || (change.kind === 'roles' && !change.roles.includes('admin')));
    if (losesAdmin && this.isActiveAdmin(user, this.clock.nowMs())) this.assertNotLastAdmin(orgId);
    let apiKey: string | undefined;
    let decision: UserCommand;
    const expectedRevision = command.expectedRevision;
    if (change.kind === 'roles') decision = { type: 'ChangeRoles', roles: change.roles, expectedRevision };
    else if (change.kind === 'revoke') decision = { type: 'RevokeUser', expectedRevision };
    else {
      const expiresAt = futureExpiry(change.expiresAt, this.clock.nowMs());
      const key = issueApiKey('user', this.hints);
      apiKey = key.key;
      decision = { type: 'RotateKey', keyId: this.ids.next(), keyHash: key.hash, hint: key.hint, expiresAt, expectedRevision };
    }
    await this.aggregates.handle(userDecider, decision, { stream: userStream(userId), org: orgId, actor: command.actor });
    const changed = userView(this.users.get(orgId, userId)!);
    return apiKey === undefined ? { user: changed } : { user: changed, apiKey };
  }

  private isActiveAdmin(u: User, now: number): boolean {
    return !u.revoked && u.roles.includes('admin') && (u.expiresAt === null || Date.parse(u.expiresAt) > now);
  }

  /** An admin is a user with the role (key not expired, not revoked) or a bootstrap admin key not revoked. */
  private assertNotLastAdmin(orgId: string): void {
    const now = this.clock.nowMs();
    const users = this.users.list(orgId).filter((u) => this.isActiveAdmin(u, now));
    const keys = this.organisations.adminKeysOf(orgId).filter((k) => !k.revoked);
    if (users.length + keys.length <= 1) {
      throw new WardenError('conflict', 'USERS.LAST_ADMIN', "this is the organisation's last admin; make another admin first");
    }
  }
}
