import { Command } from '@nestjs/cqrs';
import type { Actor } from '@warden/ledger';
import type { Organisation } from '../organisations.read-model';

/** Suspends (suspended = true) or resumes an organisation; 409 naming the state when it is already there. */
export class SetOrganisationSuspendedCommand extends Command<Organisation> {
  constructor(
    readonly orgId: string,
    readonly suspended: boolean,
    readonly reason: string | null,
    readonly actor: Actor,
  ) {
    super();
  }
}
