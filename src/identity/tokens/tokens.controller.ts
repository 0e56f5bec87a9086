import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { WardenError } from '../../common/warden-error';
import { CurrentUser } from '../current-principal.decorator';
import type { UserPrincipal } from '../principal';
import { actorOf } from '../principal-actor';
import { Roles } from '../route-access';
import { IssueCapabilityTokenCommand } from './commands/issue-capability-token.command';
import { RevokeCapabilityTokenCommand } from './commands/revoke-capability-token.command';
import { IssueTokenDto } from './dto/issue-token.dto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Capability tokens, minted and revoked by an operator of the organisation. Roles: operator,
 * admin (today the organisation's admin key; part A's role guard takes over at merge).
 */
@ApiTags('tokens')
@Roles('operator', 'admin')
@Controller('v1/tokens')
export class TokensController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Mint a capability token for one agent, one server and named tools. Roles: operator, admin.' })
  issue(@CurrentUser() admin: UserPrincipal, @Body() body: IssueTokenDto) {
    return this.commands.execute(
      new IssueCapabilityTokenCommand(admin.orgId, body.agentId, body.serverId, body.tools, body.ttlSeconds, actorOf(admin)),
    );
  }

  @Post(':jti/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke a capability token by its jti: refused from its next request on, on every node. Roles: operator, admin.' })
  revoke(@CurrentUser() admin: UserPrincipal, @Param('jti') jti: string) {
    if (!UUID.test(jti)) throw new WardenError('not_found', 'TOKENS.UNKNOWN', 'no such token in this organisation');
    return this.commands.execute(new RevokeCapabilityTokenCommand(admin.orgId, jti.toLowerCase(), actorOf(admin)));
  }
}
