import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AgentKeyOnly } from '../route-access';
import { AgentKeyGuard, type AgentRequest } from './agent-key.guard';
import { IssueCapabilityTokenCommand } from './commands/issue-capability-token.command';
import { IssueOwnTokenDto } from './dto/issue-token.dto';

/**
 * An agent mints a narrower token for itself (to hand a sub-task only some tools). This lives
 * outside /v1 on purpose: /v1 is the command API of people, where an agent key never passes; here
 * only an agent key passes, and only for its own agent id. The token is a subset of what the key
 * allows (a server the agent may use, tools of that server), never wider.
 */
@ApiTags('agent')
@ApiBearerAuth()
@AgentKeyOnly()
@UseGuards(AgentKeyGuard)
@Controller('agent/v1/tokens')
export class AgentTokensController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Mint a capability token for the calling agent itself, narrowing only. Credential: the agent API key.' })
  issue(@Req() request: AgentRequest, @Body() body: IssueOwnTokenDto) {
    const agent = request.agent!;
    return this.commands.execute(
      new IssueCapabilityTokenCommand(agent.orgId, agent.agentId, body.serverId, body.tools, body.ttlSeconds, { kind: 'agent', id: agent.agentId }),
    );
  }
}
