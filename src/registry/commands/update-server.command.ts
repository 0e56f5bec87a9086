import { Command } from '@nestjs/cqrs';
import type { Actor } from '@warden/ledger';
import type { RegisteredServer } from '../servers.read-model';

/** A new name and/or URL; a new URL is validated and discovered again before anything is recorded. */
export class UpdateServerCommand extends Command<RegisteredServer> {
  constructor(
    readonly orgId: string,
    readonly serverId: string,
    readonly changes: { name?: string; url?: string },
    readonly expectedRevision: number,
    readonly actor: Actor,
  ) {
    super();
  }
}
