import type { Actor } from '@warden/ledger';

export class SetRetentionCommand {
  constructor(
    readonly orgId: string,
    readonly days: number | null,
    readonly actor: Actor,
  ) {}
}
