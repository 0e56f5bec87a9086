import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../identity/current-principal.decorator';
import type { UserPrincipal } from '../identity/principal';
import { actorOf } from '../identity/principal-actor';
import { Roles } from '../identity/route-access';
import { ForensicReads } from './forensic-reads';

/** The forensic index: calls by filter and full text, one call in full, a workflow's timeline. Investigators and auditors only. */
@ApiTags('forensics')
@Roles('investigator', 'auditor')
@Controller('v1')
export class CallsController {
  constructor(private readonly reads: ForensicReads) {}

  @Get('calls')
  search(@CurrentUser() user: UserPrincipal, @Query() query: Record<string, unknown>) {
    return this.reads.search(user.orgId, actorOf(user), query);
  }

  @Get('calls/:id')
  call(@CurrentUser() user: UserPrincipal, @Param('id') id: string) {
    return this.reads.call(user.orgId, actorOf(user), id);
  }

  @Get('workflows/:id')
  workflow(@CurrentUser() user: UserPrincipal, @Param('id') id: string, @Query() query: Record<string, unknown>) {
    return this.reads.workflow(user.orgId, actorOf(user), id, query);
  }
}
