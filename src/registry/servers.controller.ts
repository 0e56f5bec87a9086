import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { WardenError } from '../common/warden-error';
import { CurrentUser } from '../identity/current-principal.decorator';
import type { UserPrincipal } from '../identity/principal';
import { actorOf } from '../identity/principal-actor';
import { Roles } from '../identity/route-access';
import { RediscoverToolsCommand } from './commands/rediscover-tools.command';
import { RegisterServerCommand } from './commands/register-server.command';
import { ReviewToolCommand } from './commands/review-tool.command';
import { RegisterServerDto } from './dto/register-server.dto';
import { ApproveToolDto, ClassifyToolDto } from './dto/review-tool.dto';
import { ServersReadModel } from './servers.read-model';
import { serverView, slugFrom, toolView } from './servers.view';

@ApiTags('servers')
@Roles('operator', 'admin')
@Controller('v1/servers')
export class ServersController {
  constructor(
    private readonly commands: CommandBus,
    private readonly servers: ServersReadModel,
  ) {}

  /** Registers an upstream MCP server and discovers its tools; every tool starts in review. */
  @Post()
  @HttpCode(201)
  async register(@CurrentUser() user: UserPrincipal, @Body() body: RegisterServerDto) {
    const server = await this.commands.execute(
      new RegisterServerCommand(user.orgId, body.name, body.slug ?? slugFrom(body.name), body.url, actorOf(user)),
    );
    return serverView(server);
  }

  @Get()
  list(@CurrentUser() user: UserPrincipal) {
    return { servers: this.servers.list(user.orgId).map(serverView) };
  }

  @Get(':serverId')
  get(@CurrentUser() user: UserPrincipal, @Param('serverId') serverId: string) {
    const server = this.servers.get(user.orgId, serverId);
    if (!server) throw new WardenError('not_found', 'REGISTRY.SERVER_UNKNOWN', `no server ${serverId} in this organisation`);
    return serverView(server);
  }

  /** Runs discovery again: new tools enter review, changed ones go back to review, missing ones are withdrawn. */
  @Post(':serverId/rediscover')
  @HttpCode(200)
  async rediscover(@CurrentUser() user: UserPrincipal, @Param('serverId') serverId: string) {
    return serverView(await this.commands.execute(new RediscoverToolsCommand(user.orgId, serverId, actorOf(user))));
  }

  @Put(':serverId/tools/:tool/classification')
  async classify(@CurrentUser() user: UserPrincipal, @Param('serverId') serverId: string, @Param('tool') tool: string, @Body() body: ClassifyToolDto) {
    return toolView(await this.commands.execute(new ReviewToolCommand(user.orgId, serverId, tool, 'classify', body.riskClass, actorOf(user))));
  }

  @Post(':serverId/tools/:tool/approve')
  @HttpCode(200)
  async approve(@CurrentUser() user: UserPrincipal, @Param('serverId') serverId: string, @Param('tool') tool: string, @Body() body: ApproveToolDto) {
    return toolView(await this.commands.execute(new ReviewToolCommand(user.orgId, serverId, tool, 'approve', body.riskClass, actorOf(user))));
  }
}
