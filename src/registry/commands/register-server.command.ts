import { Command } from '@nestjs/cqrs';
import type { Actor } from '@warden/ledger';
import type { RegisteredServer } from '../servers.read-model';

export class RegisterServerCommand extends Command<RegisteredServer> {
  constructor(
    readonly orgId: string,
    readonly name: string,
    readonly slug: string,
    readonly url: string | undefined,
    readonly actor: Actor,
    /** Given with the registration: stored in the vault once the server is registered. */
    readonly credential?: Record<string, unknown>,
    /** A stdio upstream's launch, as the API received it (validated by the handler); `env` goes to the vault. */
    readonly stdio?: { command?: unknown; args?: unknown; cwd?: unknown; env?: Record<string, unknown> },
  ) {
    super();
  }
}
