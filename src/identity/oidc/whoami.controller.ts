import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../current-principal.decorator';
import { ROLES, type UserPrincipal } from '../principal';
import { Roles } from '../route-access';

@ApiTags('identity')
@Roles(...ROLES)
@Controller('v1/whoami')
export class WhoamiController {
  /** Who the credential is: organisation, user id, roles, how it signed in (any role; none: 403). */
  @Get()
  @ApiOperation({ summary: 'Who the credential is: organisation, user id, roles, how it signed in. Roles: any.' })
  whoami(@CurrentUser() user: UserPrincipal) {
    return { principal: user };
  }
}
