import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { CreateOrganisationCommand, type OrganisationWithKey } from './commands/create-organisation.command';
import { OrganisationsReadModel } from './organisations.read-model';

/**
 * First start: creates the first organisation and its bootstrap admin key. Runs after the read
 * models have replayed the log, so it happens exactly once per ledger.
 */
@Injectable()
export class FirstOrganisationBootstrap {
  constructor(
    private readonly commands: CommandBus,
    private readonly organisations: OrganisationsReadModel,
  ) {}

  async ensure(name = 'default'): Promise<OrganisationWithKey | undefined> {
    if (this.organisations.count() > 0) return undefined;
    return this.commands.execute(new CreateOrganisationCommand(name, { kind: 'system', id: 'bootstrap' }));
  }
}
