import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AgentsReadModel } from '../../../agents/agents.read-model';
import { WardenError } from '../../../common/warden-error';
import { WARDEN_CONFIG, type WardenConfig } from '../../../config/warden-config';
import { AggregateStore } from '../../../ledger/aggregate-store';
import { CLOCK, ID_GENERATOR, type Clock, type IdGenerator } from '../../../ledger/clock';
import { ServersReadModel } from '../../../registry/servers.read-model';
import { capabilityTokenDecider } from '../capability-token.decider';
import { tokenStream } from '../capability-token.events';
import { CapabilityTokens } from '../capability-tokens';
import { IssueCapabilityTokenCommand, type IssuedToken } from './issue-capability-token.command';

/**
 * Mints a capability token: one agent, one server, named tools, a bounded lifetime. It never
 * widens what the agent may do: the server must be one the agent may use and every tool one the
 * server has (the gate still checks the agent's permissions and the tool's state on each call).
 * CapabilityTokenIssued is durable before the token is signed and returned.
 */
@CommandHandler(IssueCapabilityTokenCommand)
export class IssueCapabilityTokenHandler implements ICommandHandler<IssueCapabilityTokenCommand, IssuedToken> {
  constructor(
    @Inject(WARDEN_CONFIG) private readonly config: WardenConfig,
    private readonly aggregates: AggregateStore,
    private readonly agents: AgentsReadModel,
    private readonly servers: ServersReadModel,
    private readonly tokens: CapabilityTokens,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async execute(command: IssueCapabilityTokenCommand): Promise<IssuedToken> {
    const { maxTtlSeconds, defaultTtlSeconds } = this.config.tokens;
    const ttl = command.ttlSeconds ?? defaultTtlSeconds;
    if (ttl > maxTtlSeconds) {
      throw new WardenError('bad_request', 'TOKENS.TTL_TOO_LONG', `ttlSeconds: at most ${maxTtlSeconds} seconds (WARDEN_TOKEN_MAX_TTL_SECONDS)`, { field: 'ttlSeconds' });
    }
    const agent = this.agents.get(command.orgId, command.agentId);
    if (!agent) throw new WardenError('not_found', 'TOKENS.UNKNOWN_AGENT', `agentId: no agent ${command.agentId} in this organisation`, { field: 'agentId' });
    const server = this.servers.get(command.orgId, command.serverId);
    if (!server) throw new WardenError('not_found', 'TOKENS.UNKNOWN_SERVER', `serverId: no server ${command.serverId} in this organisation`, { field: 'serverId' });
    if (agent.servers && !agent.servers.includes(server.serverId)) {
      throw new WardenError('forbidden', 'TOKENS.SERVER_NOT_PERMITTED', `the agent may not use server ${server.slug}: a token never widens what its agent may do`, { field: 'serverId' });
    }
    const tools = [...new Set(command.tools)];
    const unknown = tools.filter((t) => !server.tools.has(t));
    if (unknown.length > 0) {
      throw new WardenError('bad_request', 'TOKENS.UNKNOWN_TOOL', `tools: server ${server.slug} has no tool ${unknown.join(', ')}`, { field: 'tools' });
    }

    const jti = this.ids.next();
    const iat = Math.floor(this.clock.nowMs() / 1000);
    const grant = { jti, orgId: command.orgId, agentId: agent.agentId, serverId: server.serverId, tools, exp: iat + ttl, kid: this.tokens.signingKid };
    await this.aggregates.handle(capabilityTokenDecider, { type: 'IssueCapabilityToken', grant }, { stream: tokenStream(jti), org: command.orgId, actor: command.actor });
    const token = await this.tokens.sign({ ...grant, iat });
    return { token, jti, exp: grant.exp };
  }
}
