import { Command } from '@nestjs/cqrs';
import type { Actor } from '@warden/ledger';

export interface RevokedToken {
  jti: string;
  revokedAt: string;
}

export class RevokeCapabilityTokenCommand extends Command<RevokedToken> {
  constructor(
    readonly orgId: string,
    readonly jti: string,
    readonly actor: Actor,
  ) {
    super();
  }
}
