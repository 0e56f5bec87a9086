import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { WrongExpectedRevisionError } from '@warden/event-store';
import { canonicalJson, sha256Hex } from '@warden/ledger';
import { AggregateStore } from '../../ledger/aggregate-store';
import { limitSetDecider, staleLimitVersion } from '../limit-set.decider';
import { parseLimitSet } from '../limit-set';
import { LimitSetsReadModel } from '../limit-sets.read-model';
import { limitsStream } from '../limits.events';
import { ApplyLimitSetCommand, type AppliedLimitSet } from './apply-limit-set.command';

/** Validate → decide against the stream (baseVersion) → ONE signed LimitSetApplied, appended at the expected revision. */
@CommandHandler(ApplyLimitSetCommand)
export class ApplyLimitSetHandler implements ICommandHandler<ApplyLimitSetCommand, AppliedLimitSet> {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly limitSets: LimitSetsReadModel,
  ) {}

  async execute(command: ApplyLimitSetCommand): Promise<AppliedLimitSet> {
    const set = parseLimitSet(command.set);
    const digest = sha256Hex(canonicalJson(set));
    try {
      const appended = await this.aggregates.handle(
        limitSetDecider,
        { type: 'ApplyLimitSet', set, digest, baseVersion: command.baseVersion },
        { stream: limitsStream(command.orgId), org: command.orgId, actor: command.actor },
      );
      const version = appended ? (appended.envelopes[0].data as { version: number }).version : command.baseVersion;
      return { version, digest, applied: appended !== undefined };
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) throw staleLimitVersion(command.baseVersion, this.limitSets.current(command.orgId)?.version ?? command.baseVersion + 1);
      throw error;
    }
  }
}
