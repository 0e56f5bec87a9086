import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { staleRevisionAsConflict } from '../../common/stale-revision';
import { AggregateStore } from '../../ledger/aggregate-store';
import { serverStream } from '../registry.events';
import { serverDecider } from '../server.decider';
import { ServersReadModel, type RegisteredServer } from '../servers.read-model';
import { unknownServer } from './server-state';
import { ChangeServerStateCommand } from './change-server-state.command';

/** The read model, once it applies the event, has the server's pooled sessions closed (ServerSessionCloser). */
@CommandHandler(ChangeServerStateCommand)
export class ChangeServerStateHandler implements ICommandHandler<ChangeServerStateCommand, RegisteredServer> {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly servers: ServersReadModel,
  ) {}

  async execute(command: ChangeServerStateCommand): Promise<RegisteredServer> {
    const server = this.servers.get(command.orgId, command.serverId);
    if (!server) throw unknownServer(command.serverId);
    await staleRevisionAsConflict(() =>
      this.aggregates.handle(
        serverDecider,
        { type: command.change, expectedRevision: command.expectedRevision },
        { stream: serverStream(server.serverId), org: command.orgId, actor: command.actor },
      ),
    );
    return server;
  }
}
