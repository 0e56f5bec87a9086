import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { issueApiKey } from '../../common/api-keys';
import { KeyHints } from '../../common/key-hints';
import { AggregateStore } from '../../ledger/aggregate-store';
import { ID_GENERATOR, type IdGenerator } from '../../ledger/clock';
import { organisationDecider } from '../organisation.decider';
import { organisationStream } from '../tenancy.events';
import { CreateOrganisationCommand, type OrganisationWithKey } from './create-organisation.command';

@CommandHandler(CreateOrganisationCommand)
export class CreateOrganisationHandler implements ICommandHandler<CreateOrganisationCommand, OrganisationWithKey> {
  constructor(
    private readonly aggregates: AggregateStore,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    private readonly hints: KeyHints,
  ) {}

  async execute(command: CreateOrganisationCommand): Promise<OrganisationWithKey> {
    const orgId = this.ids.next();
    const stream = organisationStream(orgId);
    const options = { stream, org: orgId, actor: command.actor };
    await this.aggregates.handle(organisationDecider, { type: 'CreateOrganisation', orgId, name: command.name }, options);
    const key = issueApiKey('admin', this.hints);
    await this.aggregates.handle(
      organisationDecider,
      { type: 'IssueAdminKey', orgId, keyId: this.ids.next(), keyHash: key.hash, hint: key.hint, label: 'bootstrap' },
      options,
    );
    return { orgId, adminKey: key.key };
  }
}
