import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { WardenError } from '../../common/warden-error';
import { AggregateStore } from '../../ledger/aggregate-store';
import { UpstreamPool } from '../../upstream/upstream-pool';
import { discoverTools, discoverToolsPooled, withDigests } from '../discover-tools';
import { upstreamTargetOf } from '../server-endpoint';
import { serverStream } from '../registry.events';
import { serverDecider } from '../server.decider';
import { ServersReadModel, type RegisteredServer } from '../servers.read-model';
import { assertServerChangeable } from './server-state';
import { RediscoverToolsCommand } from './rediscover-tools.command';

/**
 * Discovery again, against a registered server: new tools enter review, a tool whose definition
 * changed goes back to review (an approved tool that changes is not the tool that was approved:
 * the "rug pull"), a tool no longer offered is withdrawn. Nothing changes when nothing did.
 */
@CommandHandler(RediscoverToolsCommand)
export class RediscoverToolsHandler implements ICommandHandler<RediscoverToolsCommand, RegisteredServer> {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly servers: ServersReadModel,
    private readonly upstreams: UpstreamPool,
  ) {}

  async execute(command: RediscoverToolsCommand): Promise<RegisteredServer> {
    const server = this.servers.get(command.orgId, command.serverId);
    if (!server) throw new WardenError('not_found', 'REGISTRY.SERVER_UNKNOWN', `no server ${command.serverId} in this organisation`);
    assertServerChangeable(server);
    const discovered = server.stdio
      ? await discoverToolsPooled(this.upstreams, upstreamTargetOf(server))
      : await discoverTools(this.upstreams, new URL(server.url), this.upstreams.credentialsFor(server.serverId, server.url));
    await this.aggregates.handle(
      serverDecider,
      { type: 'RediscoverTools', tools: withDigests(discovered.tools) },
      { stream: serverStream(server.serverId), org: command.orgId, actor: command.actor },
    );
    return this.servers.get(command.orgId, command.serverId)!;
  }
}
