import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { WardenError } from '../common/warden-error';
import { CurrentUser } from '../identity/current-principal.decorator';
import type { UserPrincipal } from '../identity/principal';
import { actorOf } from '../identity/principal-actor';
import { Roles } from '../identity/route-access';
import { CLOCK, type Clock } from '../ledger/clock';
import type { ApprovalState } from './approval.decider';
import { ApprovalsReadModel } from './approvals.read-model';
import { ApprovalVerdictDto } from './dto/approval-verdict.dto';
import { StepUpApprovals } from './step-up-approvals';

const STATES: readonly ApprovalState[] = ['pending', 'approved', 'denied', 'expired', 'consumed'];
const ID = /^[0-9a-f-]{36}$/;

/** Step-up approvals of the organisation: list, approve, deny (each decision a signed event). */
@ApiTags('approvals')
@Roles('approver', 'admin')
@Controller('v1/approvals')
export class ApprovalsController {
  constructor(
    private readonly approvals: ApprovalsReadModel,
    private readonly commands: StepUpApprovals,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get()
  list(@CurrentUser() user: UserPrincipal, @Query('state') state: string | undefined) {
    if (state !== undefined && !(STATES as readonly string[]).includes(state)) {
      throw new WardenError('bad_request', 'VALIDATION.FAILED', `state must be one of ${STATES.join(', ')}`, { field: 'state' });
    }
    return { approvals: this.approvals.list(user.orgId, this.clock.nowMs(), state as ApprovalState | undefined) };
  }

  @Post(':approvalId/approve')
  @HttpCode(200)
  approve(@CurrentUser() user: UserPrincipal, @Param('approvalId') approvalId: string, @Body() body: ApprovalVerdictDto) {
    return this.commands.decide(user.orgId, idOf(approvalId), 'approve', actorOf(user), body.comment ?? null);
  }

  @Post(':approvalId/deny')
  @HttpCode(200)
  deny(@CurrentUser() user: UserPrincipal, @Param('approvalId') approvalId: string, @Body() body: ApprovalVerdictDto) {
    return this.commands.decide(user.orgId, idOf(approvalId), 'deny', actorOf(user), body.comment ?? null);
  }
}

function idOf(raw: string): string {
  if (!ID.test(raw)) throw new WardenError('not_found', 'APPROVAL.UNKNOWN', 'no such approval in this organisation', { approvalId: raw.slice(0, 64) });
  return raw;
}
