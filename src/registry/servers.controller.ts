import { Body, Controller, Get, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { WardenError } from '../common/warden-error';
import { AdminAuthGuard } from '../tenancy/admin-auth.guard';
import { CurrentAdmin } from '../tenancy/current-admin.decorator';
import type { AdminPrincipal } from '../tenancy/organisations.read-model';
import { RediscoverToolsCommand } from './commands/rediscover-tools.command';
import { RegisterServerCommand } from './commands/register-server.command';
import { ReviewToolCommand } from './commands/review-tool.command';
import { RegisterServerDto } from './dto/register-server.dto';
import { ApproveToolDto, ClassifyToolDto } from './dto/review-tool.dto';
import { ServersReadModel } from './servers.read-model';
import { serverView, slugFrom, toolView } from './servers.view';

@ApiTags('servers')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('v1/servers')
export class ServersController {
  constructor(
    private readonly commands: CommandBus,
    private readonly servers: ServersReadModel,
  ) {}

  /** Registers an upstream MCP server and discovers its tools; every tool starts in review. */
  @Post()
  @HttpCode(201)
  async register(@CurrentAdmin() admin: AdminPrincipal, @Body() body: RegisterServerDto) {
    const server = await this.commands.execute(
      new RegisterServerCommand(admin.orgId, body.name, body.slug ?? slugFrom(body.name), body.url, { kind: 'user', id: admin.keyId }, body.credential && { ...body.credential }),
    );
    return serverView(server);
  }

  @Get()
  list(@CurrentAdmin() admin: AdminPrincipal) {
    return { servers: this.servers.list(admin.orgId).map(serverView) };
  }

  @Get(':serverId')
  get(@CurrentAdmin() admin: AdminPrincipal, @Param('serverId') serverId: string) {
    const server = this.servers.get(admin.orgId, serverId);
    if (!server) throw new WardenError('not_found', 'REGISTRY.SERVER_UNKNOWN', `no server ${serverId} in this organisation`);
    return serverView(server);
  }

  /** Runs discovery again: new tools enter review, changed ones go back to review, missing ones are withdrawn. */
  @Post(':serverId/rediscover')
  @HttpCode(200)
  async rediscover(@CurrentAdmin() admin: AdminPrincipal, @Param('serverId') serverId: string) {
    return serverView(await this.commands.execute(new RediscoverToolsCommand(admin.orgId, serverId, { kind: 'user', id: admin.keyId })));
  }

  @Put(':serverId/tools/:tool/classification')
  async classify(@CurrentAdmin() admin: AdminPrincipal, @Param('serverId') serverId: string, @Param('tool') tool: string, @Body() body: ClassifyToolDto) {
    return toolView(await this.commands.execute(new ReviewToolCommand(admin.orgId, serverId, tool, 'classify', body.riskClass, { kind: 'user', id: admin.keyId })));
  }

  @Post(':serverId/tools/:tool/approve')
  @HttpCode(200)
  async approve(@CurrentAdmin() admin: AdminPrincipal, @Param('serverId') serverId: string, @Param('tool') tool: string, @Body() body: ApproveToolDto) {
    return toolView(await this.commands.execute(new ReviewToolCommand(admin.orgId, serverId, tool, 'approve', body.riskClass, { kind: 'user', id: admin.keyId })));
  }
}
