import { Command } from '@nestjs/cqrs';
import type { Actor } from '@warden/ledger';

export interface IssuedToken {
  /** The signed JWT: in this response only, never recorded or logged. */
  token: string;
  jti: string;
  /** Seconds since the epoch. */
  exp: number;
}

export class IssueCapabilityTokenCommand extends Command<IssuedToken> {
  constructor(
    readonly orgId: string,
    readonly agentId: string,
    readonly serverId: string,
    readonly tools: string[],
    readonly ttlSeconds: number | undefined,
    /** The operator (a person) or the agent itself, minting for itself. */
    readonly actor: Actor,
  ) {
    super();
  }
}
