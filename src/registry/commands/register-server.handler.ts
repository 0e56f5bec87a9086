import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { WardenError } from '../../common/warden-error';
import { AggregateStore } from '../../ledger/aggregate-store';
import { ID_GENERATOR, type IdGenerator } from '../../ledger/clock';
import { LedgerWriter } from '../../ledger/ledger-writer';
import { UpstreamPool } from '../../upstream/upstream-pool';
import { parseUpstreamUrl, recordableUrl } from '../../upstream/upstream-url';
import { organisationStream } from '../../tenancy/tenancy.events';
import { CredentialVault } from '../../vault/credential-vault';
import { discoverTools, withDigests } from '../discover-tools';
import { serverStream } from '../registry.events';
import { serverDecider } from '../server.decider';
import { ServersReadModel, type RegisteredServer } from '../servers.read-model';
import { RegisterServerCommand } from './register-server.command';

/**
 * Registers an upstream: validates the URL, runs discovery (tools/list) against it, and records
 * the server with every tool in review. A failed discovery registers nothing and is recorded as
 * ServerRegistrationFailed on the organisation's stream.
 */
@CommandHandler(RegisterServerCommand)
export class RegisterServerHandler implements ICommandHandler<RegisterServerCommand, RegisteredServer> {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly writer: LedgerWriter,
    private readonly servers: ServersReadModel,
    private readonly upstreams: UpstreamPool,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    private readonly vault: CredentialVault,
  ) {}

  async execute(command: RegisterServerCommand): Promise<RegisteredServer> {
    const url = parseUpstreamUrl(command.url);
    if (this.servers.bySlugInOrg(command.orgId, command.slug)) {
      throw new WardenError('conflict', 'REGISTRY.SLUG_TAKEN', `slug ${command.slug} is already used in this organisation`, { field: 'slug' });
    }
    const serverId = this.ids.next();
    const credential = command.credential && this.vault.prepare(command.orgId, serverId, command.credential);
    let discovered;
    try {
      discovered = await discoverTools(this.upstreams, url, credential?.credentials);
    } catch (error) {
      const reason = error instanceof WardenError ? error.code : 'UPSTREAM.UNAVAILABLE';
      await this.writer.append(organisationStream(command.orgId), [
        {
          type: 'ServerRegistrationFailed',
          org: command.orgId,
          actor: command.actor,
          data: { slug: command.slug, url: recordableUrl(url), reason },
        },
      ]);
      throw error;
    }
    await this.aggregates.handle(
      serverDecider,
      {
        type: 'RegisterServer',
        serverId,
        orgId: command.orgId,
        slug: command.slug,
        name: command.name,
        url: url.toString(),
        protocolVersion: discovered.protocolVersion ?? null,
        tools: withDigests(discovered.tools),
      },
      { stream: serverStream(serverId), org: command.orgId, actor: command.actor },
    );
    await credential?.store(command.actor);
    return this.servers.get(command.orgId, serverId)!;
  }
}
