import { Body, Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AdminAuthGuard } from '../tenancy/admin-auth.guard';
import { CurrentAdmin } from '../tenancy/current-admin.decorator';
import type { AdminPrincipal } from '../tenancy/organisations.read-model';
import { AgentsReadModel } from './agents.read-model';
import { RegisterAgentCommand } from './commands/register-agent.command';
import { RegisterAgentDto } from './dto/register-agent.dto';

@ApiTags('agents')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('v1/agents')
export class AgentsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly agents: AgentsReadModel,
  ) {}

  /** Registers an agent; its API key is in this response and nowhere else, ever. */
  @Post()
  @HttpCode(201)
  register(@CurrentAdmin() admin: AdminPrincipal, @Body() body: RegisterAgentDto) {
    return this.commands.execute(
      new RegisterAgentCommand(admin.orgId, body.name, body.servers ?? null, { kind: 'user', id: admin.keyId }),
    );
  }

  @Get()
  list(@CurrentAdmin() admin: AdminPrincipal) {
    return { agents: this.agents.list(admin.orgId) };
  }
}
