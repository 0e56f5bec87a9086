import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AggregateStore } from '../../ledger/aggregate-store';
import { retentionDecider } from './retention.decider';
import { retentionStream } from './retention.events';
import { SetRetentionCommand } from './set-retention.command';

/** One signed PayloadRetentionSet on `retention-<org>` (nothing when the rule is already in force). */
@CommandHandler(SetRetentionCommand)
export class SetRetentionHandler implements ICommandHandler<SetRetentionCommand, { changed: boolean }> {
  constructor(private readonly aggregates: AggregateStore) {}

  async execute(command: SetRetentionCommand): Promise<{ changed: boolean }> {
    const appended = await this.aggregates.handle(retentionDecider, { type: 'SetRetention', days: command.days }, { stream: retentionStream(command.orgId), org: command.orgId, actor: command.actor });
    return { changed: appended !== undefined };
  }
}
