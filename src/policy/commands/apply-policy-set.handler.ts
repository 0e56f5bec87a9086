import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { WrongExpectedRevisionError } from '@warden/event-store';
import { WardenError } from '../../common/warden-error';
import { AggregateStore } from '../../ledger/aggregate-store';
import { PoliciesReadModel } from '../policies.read-model';
import { policyStream } from '../policy.events';
import { policySetDecider, staleVersion } from '../policy-set.decider';
import { PolicyValidator } from '../policy-validator';
import { ApplyPolicySetCommand, type AppliedPolicySet } from './apply-policy-set.command';

/** Validate → decide against the stream (baseVersion) → ONE signed PolicySetApplied, appended at the expected revision. */
@CommandHandler(ApplyPolicySetCommand)
export class ApplyPolicySetHandler implements ICommandHandler<ApplyPolicySetCommand, AppliedPolicySet> {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly validator: PolicyValidator,
    private readonly policies: PoliciesReadModel,
  ) {}

  async execute(command: ApplyPolicySetCommand): Promise<AppliedPolicySet> {
    const { orgId } = command;
    let raw: unknown;
    let rollbackOf: number | undefined;
    if (command.input.kind === 'rollback') {
      const earlier = this.policies.version(orgId, command.input.version);
      if (!earlier) throw new WardenError('not_found', 'POLICY.VERSION_UNKNOWN', `no policy version ${command.input.version} in this organisation`, { version: command.input.version });
      raw = earlier.set;
      rollbackOf = earlier.version;
    } else {
      raw = command.input.set;
    }
    const validated = this.validator.validate(orgId, raw);
    const baseVersion = command.baseVersion ?? validated.currentVersion;
    try {
      const appended = await this.aggregates.handle(
        policySetDecider,
        { type: 'ApplyPolicySet', set: validated.set, digest: validated.digest, baseVersion, ...(rollbackOf !== undefined ? { rollbackOf } : {}) },
        { stream: policyStream(orgId), org: orgId, actor: command.actor },
      );
      const version = appended ? (appended.envelopes[0].data as { version: number }).version : validated.currentVersion;
      return { version, digest: validated.digest, applied: appended !== undefined, ...(rollbackOf !== undefined ? { rollbackOf } : {}), warnings: validated.warnings, diff: validated.diff };
    } catch (error) {
      // Another apply committed between our read of the stream and our append.
      if (error instanceof WrongExpectedRevisionError) throw staleVersion(baseVersion, this.policies.currentVersion(orgId)?.version ?? baseVersion + 1);
      throw error;
    }
  }
}
