import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { WardenError } from '../common/warden-error';
import { CurrentPrincipal } from '../identity/current-principal.decorator';
import type { Principal } from '../identity/principal';
import { actorOf } from '../identity/principal-actor';
import { PlatformOnly } from '../identity/route-access';
import { CreateOrganisationCommand } from './commands/create-organisation.command';
import { SetOrganisationSuspendedCommand } from './commands/set-organisation-suspended.command';
import { CreateOrganisationDto, SuspendOrganisationDto } from './dto/organisation.dto';
import { OrganisationsReadModel } from './organisations.read-model';

/** Organisations, for the platform operator only: it creates, lists, suspends and resumes them, and sees none of their data. */
@ApiTags('organisations')
@PlatformOnly()
@Controller('v1/orgs')
export class OrganisationsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly organisations: OrganisationsReadModel,
  ) {}

  /** Creates an organisation; its first admin API key is in this response only. */
  @Post()
  @HttpCode(201)
  async create(@CurrentPrincipal() principal: Principal, @Body() body: CreateOrganisationDto) {
    const created = await this.commands.execute(new CreateOrganisationCommand(body.name, actorOf(principal)));
    return { organisation: this.organisations.get(created.orgId), adminKey: created.adminKey };
  }

  @Get()
  list() {
    return { organisations: this.organisations.list() };
  }

  @Get(':orgId')
  get(@Param('orgId') orgId: string) {
    const org = this.organisations.get(orgId);
    if (!org) throw new WardenError('not_found', 'TENANCY.ORG_UNKNOWN', `no organisation ${orgId}`);
    return org;
  }

  /** Its users and agents are refused (TENANCY.ORG_SUSPENDED) until it is resumed. */
  @Post(':orgId/suspend')
  @HttpCode(200)
  suspend(@CurrentPrincipal() principal: Principal, @Param('orgId') orgId: string, @Body() body: SuspendOrganisationDto) {
    return this.commands.execute(new SetOrganisationSuspendedCommand(orgId, true, body.reason ?? null, actorOf(principal)));
  }

  @Post(':orgId/resume')
  @HttpCode(200)
  resume(@CurrentPrincipal() principal: Principal, @Param('orgId') orgId: string) {
    return this.commands.execute(new SetOrganisationSuspendedCommand(orgId, false, null, actorOf(principal)));
  }
}
