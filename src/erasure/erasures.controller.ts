import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AdminAuthGuard } from '../tenancy/admin-auth.guard';
import { CurrentAdmin } from '../tenancy/current-admin.decorator';
import type { AdminPrincipal } from '../tenancy/organisations.read-model';
import { ErasePayloadsCommand } from './commands/erase-payloads.command';
import { ErasePayloadsDto } from './dto/erase-payloads.dto';

@ApiTags('erasures')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('v1/erasures')
export class ErasuresController {
  constructor(private readonly commands: CommandBus) {}

  /** Erases the payloads of events of the admin's organisation, recorded first as PayloadsErased. */
  @Post()
  @HttpCode(201)
  erase(@CurrentAdmin() admin: AdminPrincipal, @Body() body: ErasePayloadsDto) {
    return this.commands.execute(new ErasePayloadsCommand(admin.orgId, body.eventIds, body.reason, { kind: 'user', id: admin.keyId }));
  }
}
