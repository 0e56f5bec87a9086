import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { WardenError } from '../../common/warden-error';
import { AggregateStore } from '../../ledger/aggregate-store';
import { ID_GENERATOR, type IdGenerator } from '../../ledger/clock';
import { LedgerWriter } from '../../ledger/ledger-writer';
import { UpstreamPool } from '../../upstream/upstream-pool';
import { parseUpstreamUrl, recordableUrl } from '../../upstream/upstream-url';
import { organisationStream } from '../../tenancy/tenancy.events';
import { CredentialVault, type PreparedCredential } from '../../vault/credential-vault';
import { discoverTools, withDigests } from '../discover-tools';
import { isUnreachable } from '../health-verdict';
import type { ToolDefinition } from '../registry.events';
import { serverStream } from '../registry.events';
import { serverDecider } from '../server.decider';
import { ServersReadModel, type RegisteredServer } from '../servers.read-model';
import { RegisterServerCommand } from './register-server.command';

/**
 * Registers an upstream: validates the URL, runs discovery (tools/list) against it, and records
 * the server with every tool in review. An upstream that cannot be reached now (connection refused,
 * timeout) is registered as unreachable with no tools: the first health check that reaches it
 * discovers them. Any other failed discovery (a bad answer, 401) registers nothing and is recorded
 * as ServerRegistrationFailed on the organisation's stream.
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
    await this.upstreams.vet(url);
    if (this.servers.bySlugInOrg(command.orgId, command.slug)) {
      throw new WardenError('conflict', 'REGISTRY.SLUG_TAKEN', `slug ${command.slug} is already used in this organisation`, { field: 'slug' });
    }
    const serverId = this.ids.next();
    const credential = command.credential && this.vault.prepare(command.orgId, serverId, command.credential);
    let discovered: Awaited<ReturnType<typeof discoverTools>>;
    try {
      discovered = await discoverTools(this.upstreams, url, credential?.credentials);
    } catch (error) {
      if (isUnreachable(error)) {
        // Down now: registered as unreachable, its tools discovered by the first check that reaches it.
        const reason = error instanceof WardenError ? error.code : 'UPSTREAM.UNAVAILABLE';
        return this.record(command, serverId, credential, url, { tools: [] }, { status: 'unreachable', reason });
      }
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
    return this.record(command, serverId, credential, url, discovered);
  }

  private async record(
    command: RegisterServerCommand,
    serverId: string,
    credential: PreparedCredential | undefined,
    url: URL,
    discovered: { protocolVersion?: string; tools: ToolDefinition[] },
    health?: { status: 'unreachable'; reason: string },
  ): Promise<RegisteredServer> {
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
        ...(health ? { health } : {}),
      },
      { stream: serverStream(serverId), org: command.orgId, actor: command.actor },
    );
    await credential?.store(command.actor);
    return this.servers.get(command.orgId, serverId)!;
  }
}
