import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { WARDEN_CONFIG, type WardenConfig } from '../../config/warden-config';
import { OrganisationsReadModel } from '../../tenancy/organisations.read-model';
import { TenancyModule } from '../../tenancy/tenancy.module';
import { AuthenticatorRegistry } from '../authenticator-registry';
import { IdentityModule } from '../identity.module';
import { OidcAuthenticator } from './oidc-authenticator';
import { WhoamiController } from './whoami.controller';

/**
 * OIDC sign-in for people, when WARDEN_OIDC_* is configured: its authenticator joins the
 * AuthenticatorRegistry (the identity module's) that the command API's guard asks.
 * `GET /v1/whoami` shows the result.
 */
@Module({
  imports: [TenancyModule, IdentityModule],
  controllers: [WhoamiController],
  providers: [
    {
      provide: OidcAuthenticator,
      inject: [WARDEN_CONFIG, OrganisationsReadModel],
      useFactory: (config: WardenConfig, organisations: OrganisationsReadModel) => (config.oidc ? new OidcAuthenticator(config.oidc, organisations) : null),
    },
  ],
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
