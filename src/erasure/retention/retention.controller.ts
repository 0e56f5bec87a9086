import { Body, Controller, Get, Put } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { WardenError } from '../../common/warden-error';
import { CurrentUser } from '../../identity/current-principal.decorator';
import type { UserPrincipal } from '../../identity/principal';
import { actorOf } from '../../identity/principal-actor';
import { Roles } from '../../identity/route-access';
import { MAX_RETENTION_DAYS } from './retention-config';
import { RetentionReadModel } from './retention.read-model';
import { RetentionSweep } from './retention-sweep';
import { SetRetentionCommand } from './set-retention.command';

/** The organisation's payload retention: payloads older than `days` are erased on a schedule (signed, reason "retention"). */
@ApiTags('retention')
@Controller('v1/retention')
export class RetentionController {
  constructor(
    private readonly commands: CommandBus,
    private readonly rules: RetentionReadModel,
    private readonly sweep: RetentionSweep,
  ) {}

  @Get()
  @Roles('admin', 'auditor')
  current(@CurrentUser() user: UserPrincipal) {
    const own = this.rules.of(user.orgId);
    const inForce = this.sweep.daysFor(user.orgId);
    return { days: inForce?.days ?? null, source: inForce?.source ?? 'none', ...(own ? { setAt: own.setAt, setBy: own.setBy } : {}) };
  }

  /** Body { days: 1–36500 } sets the organisation's rule; { days: null } clears it (the deployment default applies). */
  @Put()
  @Roles('admin')
  async set(@CurrentUser() user: UserPrincipal, @Body() body: unknown) {
    const days = daysOf(body);
    const { changed } = await this.commands.execute(new SetRetentionCommand(user.orgId, days, actorOf(user)));
    return { changed, ...this.current(user) };
  }
}

function daysOf(body: unknown): number | null {
  const invalid = (detail: string) => new WardenError('bad_request', 'RETENTION.INVALID', detail, { field: 'days' });
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('the body is { "days": <1–36500> | null }');
  const extra = Object.keys(body).filter((k) => k !== 'days');
  if (extra.length > 0) throw new WardenError('bad_request', 'RETENTION.INVALID', `unknown key ${JSON.stringify(extra[0].slice(0, 100))}`, { field: extra[0].slice(0, 100) });
  if (!('days' in body)) throw invalid('days is required: a whole number of days (1–36500), or null to clear the rule');
  const days = (body as { days: unknown }).days;
  if (days === null) return null;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > MAX_RETENTION_DAYS) throw invalid(`days is a whole number of days, 1–${MAX_RETENTION_DAYS}, or null`);
  return days;
}
