import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { WardenError } from '../../common/warden-error';
import { AggregateStore } from '../../ledger/aggregate-store';
import { ID_GENERATOR, type IdGenerator } from '../../ledger/clock';
import { LedgerWriter } from '../../ledger/ledger-writer';
import { parseStdioLaunch } from '../../upstream/stdio-launch';
import { UpstreamPool, type UpstreamEndpoint } from '../../upstream/upstream-pool';
import { parseUpstreamUrl, recordableUrl } from '../../upstream/upstream-url';
import { organisationStream } from '../../tenancy/tenancy.events';
import { CredentialVault, type PreparedCredential } from '../../vault/credential-vault';
import { discoverTools, withDigests } from '../discover-tools';
import { isUnreachable } from '../health-verdict';
import type { StdioRecord, ToolDefinition } from '../registry.events';
import { stdioLabel } from '../server-endpoint';
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
    const target = await this.upstreamOf(command);
    if (this.servers.bySlugInOrg(command.orgId, command.slug)) {
      throw new WardenError('conflict', 'REGISTRY.SLUG_TAKEN', `slug ${command.slug} is already used in this organisation`, { field: 'slug' });
    }
    const serverId = this.ids.next();
    const credentialInput = target.credential;
    const credential = credentialInput && this.vault.prepare(command.orgId, serverId, credentialInput, target.stdio ? undefined : target.url);
    let discovered: Awaited<ReturnType<typeof discoverTools>>;
    try {
      discovered = await discoverTools(this.upstreams, target.endpoint, credential?.credentials);
    } catch (error) {
      if (isUnreachable(error)) {
        // Down now: registered as unreachable, its tools discovered by the first check that reaches it.
        const reason = error instanceof WardenError ? error.code : 'UPSTREAM.UNAVAILABLE';
        return this.record(command, serverId, credential, target, { tools: [] }, { status: 'unreachable', reason });
      }
      const reason = error instanceof WardenError ? error.code : 'UPSTREAM.UNAVAILABLE';
      await this.writer.append(organisationStream(command.orgId), [
        {
          type: 'ServerRegistrationFailed',
          org: command.orgId,
          actor: command.actor,
          data: { slug: command.slug, url: target.label, reason },
        },
      ]);
      throw error;
    }
    return this.record(command, serverId, credential, target, discovered);
  }

  /**
   * What the registration points at, validated: an http(s) URL (the egress policy vets it), or a
   * stdio launch (command, args, cwd) whose `env` becomes the server's vault credential (scheme
   * env); a stdio server takes no other credential, an http server no env credential.
   */
  private async upstreamOf(command: RegisterServerCommand): Promise<Upstream> {
    const { stdio } = command;
    if (!stdio) {
      if (command.credential?.scheme === 'env') throw wrongScheme('an env credential is for stdio servers');
      const url = parseUpstreamUrl(command.url);
      await this.upstreams.vet(url);
      return { endpoint: url, label: recordableUrl(url), url: url.toString(), credential: command.credential };
    }
    if (command.url !== undefined) throw new WardenError('bad_request', 'UPSTREAM.INVALID_COMMAND', 'a stdio server has a command, not a url', { field: 'url' });
    const launch = parseStdioLaunch(stdio);
    if (stdio.env !== undefined && command.credential !== undefined) throw wrongScheme('give env or credential, not both');
    if (command.credential !== undefined && command.credential.scheme !== 'env') throw wrongScheme('a stdio server takes only an env credential (its environment)');
    const credential = stdio.env !== undefined ? { scheme: 'env', variables: stdio.env } : command.credential;
    const variables = (credential?.variables ?? {}) as Record<string, unknown>;
    const record: StdioRecord = { ...launch, envNames: typeof variables === 'object' && variables !== null ? Object.keys(variables).sort() : [] };
    return { endpoint: launch, label: stdioLabel(launch), url: stdioLabel(launch), stdio: record, credential };
  }

  private async record(
    command: RegisterServerCommand,
    serverId: string,
    credential: PreparedCredential | undefined,
    target: Upstream,
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
        url: target.url,
        ...(target.stdio ? { stdio: target.stdio } : {}),
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

interface Upstream {
  endpoint: UpstreamEndpoint;
  /** What ServerRegistrationFailed records (no query string; a stdio server's command). */
  label: string;
  url: string;
  stdio?: StdioRecord;
  credential?: Record<string, unknown>;
}

function wrongScheme(message: string): WardenError {
  return new WardenError('bad_request', 'VAULT.INVALID_CREDENTIAL', message, { field: 'credential' });
}
