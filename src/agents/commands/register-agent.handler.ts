import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { issueApiKey } from '../../common/api-keys';
import { KeyHints } from '../../common/key-hints';
import { AggregateStore } from '../../ledger/aggregate-store';
import { ID_GENERATOR, type IdGenerator } from '../../ledger/clock';
import { ServersReadModel } from '../../registry/servers.read-model';
import { agentDecider } from '../agent.decider';
import { agentStream } from '../agents.events';
import { AgentsReadModel } from '../agents.read-model';
import { assertServersInOrg } from './agent-servers';
import { RegisterAgentCommand, type RegisteredAgent } from './register-agent.command';

@CommandHandler(RegisterAgentCommand)
export class RegisterAgentHandler implements ICommandHandler<RegisterAgentCommand, RegisteredAgent> {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly agents: AgentsReadModel,
    private readonly servers: ServersReadModel,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    private readonly hints: KeyHints,
  ) {}

  async execute(command: RegisterAgentCommand): Promise<RegisteredAgent> {
    assertServersInOrg(this.servers, command.orgId, command.servers);
    const agentId = this.ids.next();
    const key = issueApiKey('agent', this.hints);
    await this.aggregates.handle(
      agentDecider,
      { type: 'RegisterAgent', agentId, orgId: command.orgId, name: command.name, keyHash: key.hash, hint: key.hint, servers: command.servers, labels: command.labels },
      { stream: agentStream(agentId), org: command.orgId, actor: command.actor },
    );
    const agent = this.agents.get(command.orgId, agentId);
    if (!agent) throw new Error('agent read model did not apply AgentRegistered');
    return { agent, apiKey: key.key };
  }
}
