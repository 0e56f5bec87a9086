import { Command } from '@nestjs/cqrs';
import type { Actor } from '@warden/ledger';
import type { Agent } from '../agents.read-model';

export interface RegisteredAgent {
  agent: Agent;
  /** Shown once. */
  apiKey: string;
}

export class RegisterAgentCommand extends Command<RegisteredAgent> {
  constructor(
    readonly orgId: string,
    readonly name: string,
    readonly servers: string[] | null,
    readonly actor: Actor,
    readonly labels: Record<string, string> = {},
  ) {
    super();
  }
}
