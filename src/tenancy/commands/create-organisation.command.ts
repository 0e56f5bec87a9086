import { Command } from '@nestjs/cqrs';
import type { Actor } from '@warden/ledger';

export interface OrganisationWithKey {
  orgId: string;
  /** The first admin key: shown once. */
  adminKey: string;
}

export class CreateOrganisationCommand extends Command<OrganisationWithKey> {
  constructor(readonly name: string, readonly actor: Actor) {
    super();
  }
}
