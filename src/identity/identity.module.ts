import { Module, type OnModuleInit } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { GatewayModule } from '../gateway/gateway.module';
import { TenancyModule } from '../tenancy/tenancy.module';
import { AdminKeyAuthenticator, PlatformKeyAuthenticator, UserKeyAuthenticator } from './api-key-authenticators';
import { AuthenticatorRegistry } from './authenticator-registry';
import { CommandApiGuard } from './command-api.guard';
import { PlatformOperatorBootstrap } from './platform/platform-operator.bootstrap';
import { PlatformOperatorsReadModel } from './platform/platform-operators.read-model';
import { ChangeUserHandler } from './users/commands/change-user.handler';
import { CreateUserHandler } from './users/commands/create-user.handler';
import { UsersController } from './users/users.controller';
import { UsersReadModel } from './users/users.read-model';

/**
 * Who may do what on the command API: the platform operator, users and their roles, the one
 * global guard (CommandApiGuard) and the authenticators of warden's own API keys. Other kinds of
 * credential (OIDC) register into the exported AuthenticatorRegistry from their own modules.
 */
@Module({
  imports: [TenancyModule, GatewayModule, DiscoveryModule],
  controllers: [UsersController],
  providers: [
    AuthenticatorRegistry,
    PlatformKeyAuthenticator,
    AdminKeyAuthenticator,
    UserKeyAuthenticator,
    UsersReadModel,
    PlatformOperatorsReadModel,
    PlatformOperatorBootstrap,
    CreateUserHandler,
    ChangeUserHandler,
    { provide: APP_GUARD, useClass: CommandApiGuard },
  ],
  exports: [AuthenticatorRegistry, UsersReadModel, PlatformOperatorBootstrap],
})
export class IdentityModule implements OnModuleInit {
  constructor(
    private readonly registry: AuthenticatorRegistry,
    private readonly platformKeys: PlatformKeyAuthenticator,
    private readonly adminKeys: AdminKeyAuthenticator,
    private readonly userKeys: UserKeyAuthenticator,
  ) {}

  onModuleInit(): void {
    for (const authenticator of [this.platformKeys, this.adminKeys, this.userKeys]) this.registry.register(authenticator);
  }
}
