import { Body, Controller, Get, Headers, HttpCode, Param, Patch, Post, Put, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { WardenError } from '../common/warden-error';
import { entityTag, IF_MATCH_OPTIONAL, IF_MATCH_REQUIRED, revisionFromIfMatch } from '../common/if-match';
import { CurrentUser } from '../identity/current-principal.decorator';
import type { UserPrincipal } from '../identity/principal';
import { actorOf } from '../identity/principal-actor';
import { Roles } from '../identity/route-access';
import { UpstreamPool } from '../upstream/upstream-pool';
import { RediscoverToolsCommand } from './commands/rediscover-tools.command';
import { ChangeServerStateCommand, type ServerStateChange } from './commands/change-server-state.command';
import { unknownServer } from './commands/server-state';
import { UpdateServerCommand } from './commands/update-server.command';
import { RegisterServerCommand } from './commands/register-server.command';
import { ReviewToolCommand } from './commands/review-tool.command';
import { RegisterServerDto } from './dto/register-server.dto';
import { ApproveToolDto, ClassifyToolDto } from './dto/review-tool.dto';
import { UpdateServerDto } from './dto/update-server.dto';
import { ServersReadModel, type RegisteredServer } from './servers.read-model';
import { serverView, slugFrom, toolView } from './servers.view';

@ApiTags('servers')
@Roles('operator', 'admin')
@Controller('v1/servers')
export class ServersController {
  constructor(
    private readonly commands: CommandBus,
    private readonly servers: ServersReadModel,
    private readonly upstreams: UpstreamPool,
  ) {}

  /** Registers an upstream MCP server and discovers its tools; every tool starts in review. */
  @Post()
  @HttpCode(201)
  async register(@CurrentUser() admin: UserPrincipal, @Body() body: RegisterServerDto) {
    const stdio = body.transport === 'stdio' ? { command: body.command, args: body.args, cwd: body.cwd, env: body.env } : undefined;
    if (!stdio && (body.command !== undefined || body.args !== undefined || body.cwd !== undefined || body.env !== undefined)) {
      throw new WardenError('bad_request', 'UPSTREAM.INVALID_COMMAND', 'command, args, cwd and env belong to transport "stdio"', { field: 'transport' });
    }
    const server = await this.commands.execute(
      new RegisterServerCommand(admin.orgId, body.name, body.slug ?? slugFrom(body.name), body.url, actorOf(admin), body.credential && { ...body.credential }, stdio),
    );
    return serverView(server);
  }

  @Get()
  list(@CurrentUser() admin: UserPrincipal) {
    return { servers: this.servers.list(admin.orgId).map(serverView) };
  }

  @Get(':serverId')
  get(@CurrentUser() admin: UserPrincipal, @Param('serverId') serverId: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const server = this.servers.get(admin.orgId, serverId);
    if (!server) throw unknownServer(serverId);
    return { ...tagged(reply, server), pool: this.upstreams.telemetry(serverId) };
  }

  /** Renames and/or moves the server (URL validated and discovered again). Requires If-Match. */
  @Patch(':serverId')
  @ApiHeader(IF_MATCH_REQUIRED)
  async update(
    @CurrentUser() admin: UserPrincipal,
    @Param('serverId') serverId: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() body: UpdateServerDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const expectedRevision = this.revisionFor(admin, serverId, ifMatch, true)!;
    const changes = { ...(body.name !== undefined && { name: body.name }), ...(body.url !== undefined && { url: body.url }) };
    return tagged(reply, await this.commands.execute(new UpdateServerCommand(admin.orgId, serverId, changes, expectedRevision, actorOf(admin))));
  }

  /** Its tools are no longer listed or callable (GATE.SERVER_DISABLED) and its pooled sessions close. Idempotent. */
  @Post(':serverId/disable')
  @HttpCode(200)
  @ApiHeader(IF_MATCH_OPTIONAL)
  disable(@CurrentUser() admin: UserPrincipal, @Param('serverId') serverId: string, @Headers('if-match') ifMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.changeState(admin, serverId, 'DisableServer', ifMatch, reply);
  }

  @Post(':serverId/enable')
  @HttpCode(200)
  @ApiHeader(IF_MATCH_OPTIONAL)
  enable(@CurrentUser() admin: UserPrincipal, @Param('serverId') serverId: string, @Headers('if-match') ifMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.changeState(admin, serverId, 'EnableServer', ifMatch, reply);
  }

  /** Final (GATE.SERVER_REMOVED; any later change is 409 SERVER.REMOVED). Its slug stays taken. */
  @Post(':serverId/remove')
  @HttpCode(200)
  @ApiHeader(IF_MATCH_OPTIONAL)
  remove(@CurrentUser() admin: UserPrincipal, @Param('serverId') serverId: string, @Headers('if-match') ifMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.changeState(admin, serverId, 'RemoveServer', ifMatch, reply);
  }

  private async changeState(admin: UserPrincipal, serverId: string, change: ServerStateChange, ifMatch: string | undefined, reply: FastifyReply) {
    const expectedRevision = this.revisionFor(admin, serverId, ifMatch, false);
    return tagged(reply, await this.commands.execute(new ChangeServerStateCommand(admin.orgId, serverId, change, expectedRevision, actorOf(admin))));
  }

  /** An unknown server is 404 before the header is looked at. */
  private revisionFor(admin: UserPrincipal, serverId: string, ifMatch: string | undefined, required: boolean): number | undefined {
    if (!this.servers.get(admin.orgId, serverId)) throw unknownServer(serverId);
    return revisionFromIfMatch(ifMatch, required);
  }

  /** Runs discovery again: new tools enter review, changed ones go back to review, missing ones are withdrawn. */
  @Post(':serverId/rediscover')
  @HttpCode(200)
  async rediscover(@CurrentUser() admin: UserPrincipal, @Param('serverId') serverId: string) {
    return serverView(await this.commands.execute(new RediscoverToolsCommand(admin.orgId, serverId, actorOf(admin))));
  }

  @Put(':serverId/tools/:tool/classification')
  async classify(@CurrentUser() admin: UserPrincipal, @Param('serverId') serverId: string, @Param('tool') tool: string, @Body() body: ClassifyToolDto) {
    return toolView(await this.commands.execute(new ReviewToolCommand(admin.orgId, serverId, tool, 'classify', body.riskClass, actorOf(admin))));
  }

  @Post(':serverId/tools/:tool/approve')
  @HttpCode(200)
  async approve(@CurrentUser() admin: UserPrincipal, @Param('serverId') serverId: string, @Param('tool') tool: string, @Body() body: ApproveToolDto) {
    return toolView(await this.commands.execute(new ReviewToolCommand(admin.orgId, serverId, tool, 'approve', body.riskClass, actorOf(admin))));
  }
}



function tagged(reply: FastifyReply, server: RegisteredServer) {
  reply.header('etag', entityTag(server.revision));
  return serverView(server);
}
