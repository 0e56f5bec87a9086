import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { staleRevisionAsConflict } from '../../common/stale-revision';
import { WardenError } from '../../common/warden-error';
import { AggregateStore } from '../../ledger/aggregate-store';
import { ServersReadModel } from '../../registry/servers.read-model';
import { agentDecider } from '../agent.decider';
import { agentStream } from '../agents.events';
import { AgentsReadModel, type Agent } from '../agents.read-model';
import { assertServersInOrg } from './agent-servers';
import { ChangeAgentCommand } from './change-agent.command';

/** load stream → decide (revision, state) → sign → append; a concurrent winner is CONFLICT.STALE_REVISION. */
@CommandHandler(ChangeAgentCommand)
export class ChangeAgentHandler implements ICommandHandler<ChangeAgentCommand, Agent> {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly agents: AgentsReadModel,
    private readonly servers: ServersReadModel,
  ) {}

  async execute(command: ChangeAgentCommand): Promise<Agent> {
    const agent = this.agents.get(command.orgId, command.agentId);
    if (!agent) throw unknownAgent(command.agentId);
    if (command.change.type === 'UpdateAgent') assertServersInOrg(this.servers, command.orgId, command.change.servers);
    await staleRevisionAsConflict(() =>
      this.aggregates.handle(agentDecider, command.change, { stream: agentStream(agent.agentId), org: command.orgId, actor: command.actor }),
    );
    return agent;
  }
}

export function unknownAgent(agentId: string): WardenError {
  return new WardenError('not_found', 'AGENTS.UNKNOWN', `no agent ${agentId} in this organisation`);
}
