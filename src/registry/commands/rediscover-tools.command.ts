import { Command } from '@nestjs/cqrs';
import type { Actor } from '@warden/ledger';
import type { RegisteredServer } from '../servers.read-model';

/** Run discovery (tools/list) against a registered server again and record what changed. */
export class RediscoverToolsCommand extends Command<RegisteredServer> {
  constructor(
    readonly orgId: string,
    readonly serverId: string,
    readonly actor: Actor,
  ) {
    super();
  }
}
