import { Body, Controller, Get, Put, Query } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { WardenError } from '../common/warden-error';
import { CurrentUser } from '../identity/current-principal.decorator';
import type { UserPrincipal } from '../identity/principal';
import { actorOf } from '../identity/principal-actor';
import { Roles } from '../identity/route-access';
import { timeOf } from '../policy/time-range';
import { ApplyLimitSetCommand, type AppliedLimitSet } from './commands/apply-limit-set.command';
import { COST_GROUPINGS, CostLedger, type CostGrouping } from './cost-ledger';
import { LimitSetsReadModel } from './limit-sets.read-model';

/** Rate limits, tool costs and spend caps as one versioned, signed set per organisation; costs attributed. */
@ApiTags('limits')
@ApiBearerAuth()
@Controller('v1')
export class LimitsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly limitSets: LimitSetsReadModel,
    private readonly costs: CostLedger,
  ) {}

  /** The set in force and its version (version 0: no limits). */
  @Get('limits')
  @Roles('operator', 'admin', 'auditor')
  current(@CurrentUser() user: UserPrincipal) {
    const current = this.limitSets.current(user.orgId);
    return current ? { version: current.version, digest: current.digest, set: current.set, appliedAt: current.appliedAt } : { version: 0, digest: null, set: null };
  }

  /** Body: the set. `baseVersion`: the version the change is based on (GET /v1/limits). */
  @Put('limits')
  @Roles('operator', 'admin')
  apply(@CurrentUser() user: UserPrincipal, @Body() body: unknown, @Query('baseVersion') baseVersion: string | undefined): Promise<AppliedLimitSet> {
    if (baseVersion === undefined || !/^\d{1,9}$/.test(baseVersion)) {
      throw new WardenError('bad_request', 'VALIDATION.FAILED', 'baseVersion must be the limit set version the change is based on (0 when none is in force)', { field: 'baseVersion' });
    }
    return this.commands.execute(new ApplyLimitSetCommand(user.orgId, body, Number(baseVersion), actorOf(user)));
  }

  /** Actual costs of completed calls, summed by tool, agent, workflow, organisation or UTC day over [since, until) (default: the last 30 days). */
  @Get('costs')
  @Roles('admin', 'auditor', 'operator')
  summary(@CurrentUser() user: UserPrincipal, @Query('by') by: string | undefined, @Query('since') since: string | undefined, @Query('until') until: string | undefined) {
    const grouping = (by ?? 'tool') as CostGrouping;
    if (!COST_GROUPINGS.includes(grouping)) throw new WardenError('bad_request', 'VALIDATION.FAILED', `by must be one of ${COST_GROUPINGS.join(', ')}`, { field: 'by' });
    const now = new Date();
    const from = timeOf(since, 'since', now, new Date(now.getTime() - 30 * 86_400_000));
    const to = timeOf(until, 'until', now, now);
    // evicted: buckets let go past WARDEN_COST_BUCKETS_MAX (oldest first); sums up to `through` may miss them.
    const evicted = this.costs.evicted(user.orgId);
    return {
      by: grouping,
      since: from.toISOString(),
      until: to.toISOString(),
      rows: this.costs.summarise(user.orgId, grouping, from.getTime(), to.getTime() + 1),
      evicted: { buckets: evicted.buckets, through: evicted.throughHourMs === null ? null : new Date(evicted.throughHourMs).toISOString() },
    };
  }
}
