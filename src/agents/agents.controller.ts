import { Body, Controller, Get, Headers, HttpCode, Param, Patch, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { entityTag, IF_MATCH_OPTIONAL, IF_MATCH_REQUIRED, revisionFromIfMatch } from '../common/if-match';
import { CurrentUser } from '../identity/current-principal.decorator';
import type { UserPrincipal } from '../identity/principal';
import { actorOf } from '../identity/principal-actor';
import { Roles } from '../identity/route-access';
import { AgentsReadModel, type Agent } from './agents.read-model';
import { agentView } from './agents.view';
import { ChangeAgentCommand, type AgentChange } from './commands/change-agent.command';
import { unknownAgent } from './commands/change-agent.handler';
import { RegisterAgentCommand } from './commands/register-agent.command';
import { RotateAgentKeyCommand } from './commands/rotate-agent-key.command';
import { RegisterAgentDto } from './dto/register-agent.dto';
import { RotateAgentKeyDto } from './dto/rotate-agent-key.dto';
import { UpdateAgentDto } from './dto/update-agent.dto';


/**
 * Agents of the admin's organisation. Another organisation's agent id is unknown here (404).
 * Changes are events on `agent-<id>`, attributed to the admin; every response carries the
 * agent's revision (body and ETag) for the next change's If-Match.
 */
@ApiTags('agents')
@Roles('operator', 'admin')
@Controller('v1/agents')
export class AgentsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly agents: AgentsReadModel,
  ) {}

  /** Registers an agent; its API key is in this response and nowhere else, ever. */
  @Post()
  @HttpCode(201)
  async register(@CurrentUser() admin: UserPrincipal, @Body() body: RegisterAgentDto) {
    const registered = await this.commands.execute(
      new RegisterAgentCommand(admin.orgId, body.name, body.servers ?? null, actorOf(admin), body.labels ?? {}),
    );
    return { agent: agentView(registered.agent), apiKey: registered.apiKey };
  }

  @Get()
  list(@CurrentUser() admin: UserPrincipal) {
    return { agents: this.agents.list(admin.orgId).map(agentView) };
  }

  @Get(':agentId')
  show(@CurrentUser() admin: UserPrincipal, @Param('agentId') agentId: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const agent = this.agents.get(admin.orgId, agentId);
    if (!agent) throw unknownAgent(agentId);
    return tagged(reply, agent);
  }

  /** Changes name, labels (replaced whole) and the servers it may use. Requires If-Match. */
  @Patch(':agentId')
  @ApiHeader(IF_MATCH_REQUIRED)
  async update(
    @CurrentUser() admin: UserPrincipal,
    @Param('agentId') agentId: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() body: UpdateAgentDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const expectedRevision = this.revisionFor(admin, agentId, ifMatch, true);
    return this.change(admin, agentId, { type: 'UpdateAgent', expectedRevision, name: body.name, labels: body.labels, servers: body.servers }, reply);
  }

  /** Its next MCP request is refused (AUTH.AGENT_SUSPENDED), open sessions included. Suspending again changes nothing. */
  @Post(':agentId/suspend')
  @HttpCode(200)
  @ApiHeader(IF_MATCH_OPTIONAL)
  suspend(@CurrentUser() admin: UserPrincipal, @Param('agentId') agentId: string, @Headers('if-match') ifMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.change(admin, agentId, { type: 'SuspendAgent', expectedRevision: this.revisionFor(admin, agentId, ifMatch, false) }, reply);
  }

  /** Serves a suspended agent again; a revoked one is 409 AGENT.REVOKED. */
  @Post(':agentId/resume')
  @HttpCode(200)
  @ApiHeader(IF_MATCH_OPTIONAL)
  resume(@CurrentUser() admin: UserPrincipal, @Param('agentId') agentId: string, @Headers('if-match') ifMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.change(admin, agentId, { type: 'ResumeAgent', expectedRevision: this.revisionFor(admin, agentId, ifMatch, false) }, reply);
  }

  /** Final: every later request of the agent is refused (AUTH.AGENT_REVOKED); nothing brings it back. */
  @Post(':agentId/revoke')
  @HttpCode(200)
  @ApiHeader(IF_MATCH_OPTIONAL)
  revoke(@CurrentUser() admin: UserPrincipal, @Param('agentId') agentId: string, @Headers('if-match') ifMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.change(admin, agentId, { type: 'RevokeAgent', expectedRevision: this.revisionFor(admin, agentId, ifMatch, false) }, reply);
  }

  /** A new API key (in this response only); the earlier key stops at once, or after graceSeconds (≤ 86400). */
  @Post(':agentId/rotate-key')
  @HttpCode(200)
  @ApiHeader(IF_MATCH_OPTIONAL)
  async rotateKey(
    @CurrentUser() admin: UserPrincipal,
    @Param('agentId') agentId: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() body: RotateAgentKeyDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const expectedRevision = this.revisionFor(admin, agentId, ifMatch, false);
    const rotated = await this.commands.execute(new RotateAgentKeyCommand(admin.orgId, agentId, body.graceSeconds ?? 0, expectedRevision, actorOf(admin)));
    return { agent: tagged(reply, rotated.agent), apiKey: rotated.apiKey, previousKeysValidUntil: rotated.previousKeysValidUntil };
  }

  private async change(admin: UserPrincipal, agentId: string, change: AgentChange, reply: FastifyReply) {
    return tagged(reply, await this.commands.execute(new ChangeAgentCommand(admin.orgId, agentId, change, actorOf(admin))));
  }

  /** An unknown agent is 404 before the header is looked at, so a bad If-Match never tells ids apart. */
  private revisionFor(admin: UserPrincipal, agentId: string, ifMatch: string | undefined, required: boolean): number | undefined {
    if (!this.agents.get(admin.orgId, agentId)) throw unknownAgent(agentId);
    return revisionFromIfMatch(ifMatch, required);
  }
}


function tagged(reply: FastifyReply, agent: Agent) {
  const view = agentView(agent);
  reply.header('etag', entityTag(view.revision));
  return view;
}
