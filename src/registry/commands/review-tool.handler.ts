import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { WardenError } from '../../common/warden-error';
import { AggregateStore } from '../../ledger/aggregate-store';
import { serverStream } from '../registry.events';
import { serverDecider, type ServerCommand } from '../server.decider';
import { ServersReadModel, type RegisteredTool } from '../servers.read-model';
import { ReviewToolCommand } from './review-tool.command';

@CommandHandler(ReviewToolCommand)
export class ReviewToolHandler implements ICommandHandler<ReviewToolCommand, RegisteredTool> {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly servers: ServersReadModel,
  ) {}

  async execute(command: ReviewToolCommand): Promise<RegisteredTool> {
    const server = this.servers.get(command.orgId, command.serverId);
    if (!server) throw new WardenError('not_found', 'REGISTRY.SERVER_UNKNOWN', `no server ${command.serverId} in this organisation`);
    let decision: ServerCommand;
    if (command.action === 'approve') {
      decision = { type: 'ApproveTool', tool: command.tool, riskClass: command.riskClass };
    } else {
      if (!command.riskClass) throw new WardenError('bad_request', 'REGISTRY.RISK_CLASS_REQUIRED', 'riskClass is required', { field: 'riskClass' });
      decision = { type: 'ClassifyTool', tool: command.tool, riskClass: command.riskClass };
    }
    await this.aggregates.handle(serverDecider, decision, { stream: serverStream(server.serverId), org: command.orgId, actor: command.actor });
    return server.tools.get(command.tool)!;
  }
}
