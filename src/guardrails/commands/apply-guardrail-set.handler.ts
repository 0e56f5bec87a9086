import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { WrongExpectedRevisionError } from '@warden/event-store';
import { AggregateStore } from '../../ledger/aggregate-store';
import { guardrailSetDecider, staleGuardrailVersion } from '../guardrail-set.decider';
import { GuardrailValidator } from '../guardrail-validator';
import { GuardrailsReadModel } from '../guardrails.read-model';
import { guardrailsStream } from '../guardrails.events';
import { ApplyGuardrailSetCommand, type AppliedGuardrailSet } from './apply-guardrail-set.command';

/** Validate → decide against the stream (baseVersion) → ONE signed GuardrailSetApplied at the expected revision. */
@CommandHandler(ApplyGuardrailSetCommand)
export class ApplyGuardrailSetHandler implements ICommandHandler<ApplyGuardrailSetCommand, AppliedGuardrailSet> {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly validator: GuardrailValidator,
    private readonly guardrails: GuardrailsReadModel,
  ) {}

  async execute(command: ApplyGuardrailSetCommand): Promise<AppliedGuardrailSet> {
    const { orgId, baseVersion } = command;
    const validated = this.validator.validate(orgId, command.set);
    try {
      const appended = await this.aggregates.handle(
        guardrailSetDecider,
        { type: 'ApplyGuardrailSet', set: validated.set, digest: validated.digest, baseVersion },
        { stream: guardrailsStream(orgId), org: orgId, actor: command.actor },
      );
      const version = appended ? (appended.envelopes[0].data as { version: number }).version : validated.currentVersion;
      return { version, digest: validated.digest, applied: appended !== undefined, warnings: validated.warnings };
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) throw staleGuardrailVersion(baseVersion, this.guardrails.currentVersion(orgId)?.version ?? baseVersion + 1);
      throw error;
    }
  }
}
