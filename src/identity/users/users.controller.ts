import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { WardenError } from '../../common/warden-error';
import { OrganisationsReadModel } from '../../tenancy/organisations.read-model';
import { CurrentUser } from '../current-principal.decorator';
import type { UserPrincipal } from '../principal';
import { actorOf } from '../principal-actor';
import { Roles } from '../route-access';
import { ChangeUserCommand, CreateUserCommand } from './commands/user.commands';
import { ChangeRolesDto, CreateUserDto, RevokeUserDto, RotateUserKeyDto } from './dto/user.dto';
import { adminKeyView, userView } from './user.view';
import { UsersReadModel } from './users.read-model';

/** People of the caller's organisation and their roles: admins only. Keys are shown once, on create and rotate. */
@ApiTags('users')
@Roles('admin')
@Controller('v1/users')
export class UsersController {
  constructor(
    private readonly commands: CommandBus,
    private readonly users: UsersReadModel,
    private readonly organisations: OrganisationsReadModel,
  ) {}

  @Post()
  @HttpCode(201)
  create(@CurrentUser() caller: UserPrincipal, @Body() body: CreateUserDto) {
    return this.commands.execute(new CreateUserCommand(caller.orgId, body.name, body.roles, body.expiresAt ?? null, actorOf(caller)));
  }

  /** Users and the organisation's bootstrap admin keys (kind `bootstrap-key`). */
  @Get()
  list(@CurrentUser() caller: UserPrincipal) {
    return { users: [...this.organisations.adminKeysOf(caller.orgId).map(adminKeyView), ...this.users.list(caller.orgId).map(userView)] };
  }

  @Get(':userId')
  get(@CurrentUser() caller: UserPrincipal, @Param('userId') userId: string) {
    const user = this.users.get(caller.orgId, userId);
    if (user) return userView(user);
    const key = this.organisations.adminKey(caller.orgId, userId);
    if (key) return adminKeyView(key);
    throw new WardenError('not_found', 'USERS.UNKNOWN', `no user ${userId} in this organisation`);
  }

  /** Replaces the user's roles; refused for the last admin (409 USERS.LAST_ADMIN). */
  @Put(':userId/roles')
  roles(@CurrentUser() caller: UserPrincipal, @Param('userId') userId: string, @Body() body: ChangeRolesDto) {
    return this.commands.execute(new ChangeUserCommand(caller.orgId, userId, { kind: 'roles', roles: body.roles }, body.expectedRevision, actorOf(caller)));
  }

  /** Issues a new key (in this response only); the old one stops at once. */
  @Post(':userId/rotate-key')
  @HttpCode(200)
  rotate(@CurrentUser() caller: UserPrincipal, @Param('userId') userId: string, @Body() body: RotateUserKeyDto) {
    return this.commands.execute(
      new ChangeUserCommand(caller.orgId, userId, { kind: 'rotate-key', expiresAt: body.expiresAt ?? null }, body.expectedRevision, actorOf(caller)),
    );
  }

  /** Its key stops at once; a revoked user cannot be changed or reactivated (409 USERS.REVOKED). */
  @Post(':userId/revoke')
  @HttpCode(200)
  revoke(@CurrentUser() caller: UserPrincipal, @Param('userId') userId: string, @Body() body: RevokeUserDto) {
    return this.commands.execute(new ChangeUserCommand(caller.orgId, userId, { kind: 'revoke' }, body.expectedRevision, actorOf(caller)));
  }
}
