import { Readable } from 'node:stream';
import { Body, Controller, Get, HttpCode, Post, StreamableFile } from '@nestjs/common';
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
 * bundle's files ({ exportEventId, manifest, files: { name: content } }) for a range of at most
 * WARDEN_EXPORT_JSON_MAX_EVENTS events; POST /stream streams any range, framed (what `warden
 * export` reads); both are recorded first as an ExportCreated event. GET lists the exports made.
 * `warden verify-export` checks a bundle offline.
 */
@ApiTags('exports')
@Roles('auditor')
@Controller('v1/exports')
export class ExportsController {
  constructor(private readonly exports: ExportBundleService) {}

  @Post()
  @HttpCode(201)
  create(@CurrentUser() user: UserPrincipal, @Body() body: CreateExportDto) {
    return this.exports.export(ownOrg(user, body), { from: body.from, to: body.to, payloads: body.payloads === true }, actorOf(user));
  }

  @Post('stream')
  @HttpCode(201)
  async stream(@CurrentUser() user: UserPrincipal, @Body() body: CreateExportDto) {
    const streamed = await this.exports.exportStream(ownOrg(user, body), { from: body.from, to: body.to, payloads: body.payloads === true }, actorOf(user));
    return new StreamableFile(Readable.from(streamed.frames()), { type: 'application/x-warden-export-frames' });
  }

  @Get()
  async list(@CurrentUser() user: UserPrincipal) {
    return { exports: await this.exports.list(user.orgId) };
  }
}

function ownOrg(user: UserPrincipal, body: CreateExportDto): string {
  if (body.org !== undefined && body.org !== user.orgId) throw new WardenError('forbidden', 'EXPORT.OTHER_ORGANISATION', 'an auditor exports their own organisation only', { org: body.org });
  return user.orgId;
}
