import { Command } from '@nestjs/cqrs';
import type { Actor } from '@warden/ledger';
import type { RegisteredServer } from '../servers.read-model';

export type ServerStateChange = 'DisableServer' | 'EnableServer' | 'RemoveServer';

/** Disable, enable or remove (final) a server of the organisation. */
export class ChangeServerStateCommand extends Command<RegisteredServer> {
  constructor(
    readonly orgId: string,
    readonly serverId: string,
    readonly change: ServerStateChange,
    readonly expectedRevision: number | undefined,
    readonly actor: Actor,
  ) {
    super();
  }
}
