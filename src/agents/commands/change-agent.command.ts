import { Command } from '@nestjs/cqrs';
import type { Actor } from '@warden/ledger';
import type { ResumeAgent, RevokeAgent, SuspendAgent, UpdateAgent } from '../agent.decider';
import type { Agent } from '../agents.read-model';

export type AgentChange = UpdateAgent | SuspendAgent | ResumeAgent | RevokeAgent;

/** Update, suspend, resume or revoke an agent of the organisation. */
export class ChangeAgentCommand extends Command<Agent> {
  constructor(
    readonly orgId: string,
    readonly agentId: string,
    readonly change: AgentChange,
    readonly actor: Actor,
  ) {
    super();
  }
}
