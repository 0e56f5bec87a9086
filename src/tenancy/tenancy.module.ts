import { Module } from '@nestjs/common';
import { AdminAuthGuard } from './admin-auth.guard';
import { FirstOrganisationBootstrap } from './bootstrap-first-organisation';
import { CreateOrganisationHandler } from './commands/create-organisation.handler';
import { OrganisationsReadModel } from './organisations.read-model';

@Module({
  providers: [OrganisationsReadModel, CreateOrganisationHandler, FirstOrganisationBootstrap, AdminAuthGuard],
  exports: [OrganisationsReadModel, FirstOrganisationBootstrap, AdminAuthGuard],
})
export class TenancyModule {}
