import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { WardenError } from '../../common/warden-error';
import { staleRevisionAsConflict } from '../../common/stale-revision';
import { AggregateStore } from '../../ledger/aggregate-store';
import { UpstreamPool } from '../../upstream/upstream-pool';
import { parseUpstreamUrl } from '../../upstream/upstream-url';
import { discoverTools, withDigests } from '../discover-tools';
import { serverStream } from '../registry.events';
import { serverDecider } from '../server.decider';
import { ServersReadModel, type RegisteredServer } from '../servers.read-model';
import { assertServerChangeable, unknownServer } from './server-state';
import { UpdateServerCommand } from './update-server.command';

/**
 * Renames a server and/or moves it to a new URL. A new URL passes the same checks as at
 * registration (UPSTREAM.INVALID_URL, UPSTREAM.CREDENTIALS_IN_URL) and is discovered again: a tool
 * whose definition differs there goes back to review, new ones enter review, missing ones are
 * withdrawn — in the same append as ServerUpdated. A failed discovery changes nothing.
 */
@CommandHandler(UpdateServerCommand)
export class UpdateServerHandler implements ICommandHandler<UpdateServerCommand, RegisteredServer> {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly servers: ServersReadModel,
    private readonly upstreams: UpstreamPool,
  ) {}

  async execute(command: UpdateServerCommand): Promise<RegisteredServer> {
    const server = this.servers.get(command.orgId, command.serverId);
    if (!server) throw unknownServer(command.serverId);
    assertServerChangeable(server);
    let moved: { url: string; protocolVersion: string | null; tools: ReturnType<typeof withDigests> } | undefined;
    if (command.changes.url !== undefined) {
      if (server.stdio) throw new WardenError('bad_request', 'UPSTREAM.INVALID_COMMAND', 'a stdio server has no url; register a new server to run another command', { field: 'url' });
      const url = parseUpstreamUrl(command.changes.url);
      if (url.toString() !== server.url) {
        const discovered = await discoverTools(this.upstreams, url, this.upstreams.credentialsFor(server.serverId, url.toString()));
        moved = { url: url.toString(), protocolVersion: discovered.protocolVersion ?? null, tools: withDigests(discovered.tools) };
      }
    }
    await staleRevisionAsConflict(() =>
      this.aggregates.handle(
        serverDecider,
        { type: 'UpdateServer', expectedRevision: command.expectedRevision, name: command.changes.name, ...moved },
        { stream: serverStream(server.serverId), org: command.orgId, actor: command.actor },
      ),
    );
    return server;
  }
}
