import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { WardenError } from '../common/warden-error';
import { CurrentUser } from '../identity/current-principal.decorator';
import type { UserPrincipal } from '../identity/principal';
import { actorOf } from '../identity/principal-actor';
import { Roles } from '../identity/route-access';
import { CreateExportDto } from './dto/create-export.dto';
import { ExportBundleService } from './export-bundle.service';

/**
 * Signed exports of the auditor's own organisation (docs/export-bundle.md): POST answers the
 * bundle's files ({ exportEventId, manifest, files: { name: content } }), recorded first as an
 * ExportCreated event; GET lists the exports made. `warden verify-export` checks a bundle offline.
 */
@ApiTags('exports')
@Roles('auditor')
@Controller('v1/exports')
export class ExportsController {
  constructor(private readonly exports: ExportBundleService) {}

  @Post()
  @HttpCode(201)
  create(@CurrentUser() user: UserPrincipal, @Body() body: CreateExportDto) {
    if (body.org !== undefined && body.org !== user.orgId) throw new WardenError('forbidden', 'EXPORT.OTHER_ORGANISATION', 'an auditor exports their own organisation only', { org: body.org });
    return this.exports.export(user.orgId, { from: body.from, to: body.to, payloads: body.payloads === true }, actorOf(user));
  }

  @Get()
  async list(@CurrentUser() user: UserPrincipal) {
    return { exports: await this.exports.list(user.orgId) };
  }
}
