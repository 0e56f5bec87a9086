import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { issueApiKey } from '../../../common/api-keys';
import { KeyHints } from '../../../common/key-hints';
import { AggregateStore } from '../../../ledger/aggregate-store';
import { CLOCK, ID_GENERATOR, type Clock, type IdGenerator } from '../../../ledger/clock';
import { userDecider } from '../user.decider';
import { userView } from '../user.view';
import { userStream } from '../users.events';
import { UsersReadModel } from '../users.read-model';
import { CreateUserCommand, type UserWithKey } from './user.commands';
import { futureExpiry } from './user-keys';

@CommandHandler(CreateUserCommand)
export class CreateUserHandler implements ICommandHandler<CreateUserCommand, UserWithKey> {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly users: UsersReadModel,
    private readonly hints: KeyHints,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: CreateUserCommand): Promise<UserWithKey> {
    const expiresAt = futureExpiry(command.expiresAt, this.clock.nowMs());
    const userId = this.ids.next();
    const key = issueApiKey('user', this.hints);
    await this.aggregates.handle(
      userDecider,
      { type: 'CreateUser', userId, orgId: command.orgId, name: command.name, roles: command.roles, keyId: this.ids.next(), keyHash: key.hash, hint: key.hint, expiresAt },
      { stream: userStream(userId), org: command.orgId, actor: command.actor },
    );
    const user = this.users.get(command.orgId, userId);
    if (!user) throw new Error('users read model did not apply UserCreated');
    return { user: userView(user), apiKey: key.key };
  }
}
