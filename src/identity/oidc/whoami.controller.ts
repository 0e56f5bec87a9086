import { Controller, Get, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RegistryAuthGuard, type PrincipalRequest } from './registry-auth.guard';

@ApiTags('identity')
@ApiBearerAuth()
@UseGuards(RegistryAuthGuard)
@Controller('v1/whoami')
export class WhoamiController {
  @Get()
  @ApiOperation({ summary: 'Who the credential is: organisation, user id, roles, how it signed in. Roles: any.' })
  whoami(@Req() request: PrincipalRequest) {
    return { principal: request.principal };
  }
}
