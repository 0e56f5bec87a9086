import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { WardenError } from '../../common/warden-error';
import { AggregateStore } from '../../ledger/aggregate-store';
import { organisationDecider } from '../organisation.decider';
import { OrganisationsReadModel, type Organisation } from '../organisations.read-model';
import { organisationStream } from '../tenancy.events';
import { SetOrganisationSuspendedCommand } from './set-organisation-suspended.command';

@CommandHandler(SetOrganisationSuspendedCommand)
export class SetOrganisationSuspendedHandler implements ICommandHandler<SetOrganisationSuspendedCommand, Organisation> {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly organisations: OrganisationsReadModel,
  ) {}

  async execute(command: SetOrganisationSuspendedCommand): Promise<Organisation> {
    if (!this.organisations.get(command.orgId)) throw new WardenError('not_found', 'TENANCY.ORG_UNKNOWN', `no organisation ${command.orgId}`);
    const decision = command.suspended
      ? ({ type: 'SuspendOrganisation', orgId: command.orgId, reason: command.reason } as const)
      : ({ type: 'ResumeOrganisation', orgId: command.orgId } as const);
    await this.aggregates.handle(organisationDecider, decision, { stream: organisationStream(command.orgId), org: command.orgId, actor: command.actor });
    return { ...this.organisations.get(command.orgId)! };
  }
}
