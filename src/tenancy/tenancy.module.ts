import { Module } from '@nestjs/common';
import { AdminAuthGuard } from './admin-auth.guard';
import { FirstOrganisationBootstrap } from './bootstrap-first-organisation';
import { CreateOrganisationHandler } from './commands/create-organisation.handler';
import { SetOrganisationSuspendedHandler } from './commands/set-organisation-suspended.handler';
import { OrganisationsController } from './organisations.controller';
import { OrganisationsReadModel } from './organisations.read-model';

@Module({
  controllers: [OrganisationsController],
  providers: [OrganisationsReadModel, CreateOrganisationHandler, SetOrganisationSuspendedHandler, FirstOrganisationBootstrap, AdminAuthGuard],
  exports: [OrganisationsReadModel, FirstOrganisationBootstrap, AdminAuthGuard],
})
export class TenancyModule {}
