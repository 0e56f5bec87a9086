import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { WardenError } from '../common/warden-error';
import { CurrentUser } from '../identity/current-principal.decorator';
import type { UserPrincipal } from '../identity/principal';
import { actorOf } from '../identity/principal-actor';
import { Roles } from '../identity/route-access';
import { ErasePayloadsCommand } from './commands/erase-payloads.command';
import { ErasePayloadsDto } from './dto/erase-payloads.dto';

@ApiTags('erasures')
@Roles('admin')
@Controller('v1/erasures')
export class ErasuresController {
  constructor(private readonly commands: CommandBus) {}

  /** Erases the payloads of events of the admin's organisation, recorded first as PayloadsErased. */
  @Post()
  @HttpCode(201)
  erase(@CurrentUser() user: UserPrincipal, @Body() body: ErasePayloadsDto) {
    if ((body.eventIds === undefined) === (body.query === undefined)) {
      throw new WardenError('bad_request', 'ERASURE.ONE_SELECTION', 'name the payloads by eventIds or by a full-text query, one of the two', { field: 'query' });
    }
    return this.commands.execute(new ErasePayloadsCommand(user.orgId, body.eventIds ?? [], body.reason, actorOf(user), body.query));
  }
}
