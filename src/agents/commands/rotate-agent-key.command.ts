import { Command } from '@nestjs/cqrs';
import type { Actor } from '@warden/ledger';
import type { Agent } from '../agents.read-model';

export interface RotatedAgentKey {
  agent: Agent;
  /** Shown once. */
  apiKey: string;
  /** When the earlier keys stop working (RFC 3339); null = they stopped at once. */
  previousKeysValidUntil: string | null;
}

/** A new key for the agent in one call; the earlier keys stop at once or after `graceSeconds`. */
export class RotateAgentKeyCommand extends Command<RotatedAgentKey> {
  constructor(
    readonly orgId: string,
    readonly agentId: string,
    readonly graceSeconds: number,
    readonly expectedRevision: number | undefined,
    readonly actor: Actor,
  ) {
    super();
  }
}
