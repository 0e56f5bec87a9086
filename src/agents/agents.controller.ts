import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../identity/current-principal.decorator';
import type { UserPrincipal } from '../identity/principal';
import { actorOf } from '../identity/principal-actor';
import { Roles } from '../identity/route-access';
import { AgentsReadModel } from './agents.read-model';
import { RegisterAgentCommand } from './commands/register-agent.command';
import { RegisterAgentDto } from './dto/register-agent.dto';

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
  register(@CurrentUser() user: UserPrincipal, @Body() body: RegisterAgentDto) {
    return this.commands.execute(
      new RegisterAgentCommand(user.orgId, body.name, body.servers ?? null, actorOf(user)),
    );
  }

  @Get()
  list(@CurrentUser() user: UserPrincipal) {
    return { agents: this.agents.list(user.orgId) };
  }
}
