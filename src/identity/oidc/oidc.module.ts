import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { WARDEN_CONFIG, type WardenConfig } from '../../config/warden-config';
import { OrganisationsReadModel } from '../../tenancy/organisations.read-model';
import { TenancyModule } from '../../tenancy/tenancy.module';
import { AuthenticatorRegistry } from '../authenticator-registry';
import { OidcAuthenticator } from './oidc-authenticator';
import { RegistryAuthGuard } from './registry-auth.guard';
import { WhoamiController } from './whoami.controller';

/**
 * OIDC sign-in for people, when WARDEN_OIDC_* is configured: its authenticator joins the
 * AuthenticatorRegistry that the command API's guard asks. `GET /v1/whoami` shows the result.
 * AuthenticatorRegistry is provided here until part A's identity module provides it (then this
 * module imports that one instead, so that there is one registry).
 */
@Module({
  imports: [TenancyModule],
  controllers: [WhoamiController],
  providers: [
    AuthenticatorRegistry,
    RegistryAuthGuard,
    {
      provide: OidcAuthenticator,
      inject: [WARDEN_CONFIG, OrganisationsReadModel],
      useFactory: (config: WardenConfig, organisations: OrganisationsReadModel) => (config.oidc ? new OidcAuthenticator(config.oidc, organisations) : null),
    },
  ],
  exports: [AuthenticatorRegistry],
})
export class OidcModule implements OnModuleInit {
  constructor(
    private readonly registry: AuthenticatorRegistry,
    @Inject(OidcAuthenticator) private readonly oidc: OidcAuthenticator | null,
  ) {}

  onModuleInit(): void {
    if (this.oidc) this.registry.register(this.oidc);
  }
}
