import { Body, Controller, Get, HttpCode, Post, Put, Query } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { WardenError } from '../common/warden-error';
import { CurrentUser } from '../identity/current-principal.decorator';
import type { UserPrincipal } from '../identity/principal';
import { actorOf } from '../identity/principal-actor';
import { Roles } from '../identity/route-access';
import { ApplyPolicySetCommand, type AppliedPolicySet } from './commands/apply-policy-set.command';
import { PoliciesReadModel } from './policies.read-model';
import { PolicySimulator } from './policy-simulator';
import { PolicyValidator } from './policy-validator';
import { timeOf } from './time-range';

/** Policies as code: validate, diff, simulate, apply as one signed event, roll back. */
@ApiTags('policies')
@ApiBearerAuth()
@Roles('operator', 'admin')
@Controller('v1/policies')
export class PoliciesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly policies: PoliciesReadModel,
    private readonly validator: PolicyValidator,
    private readonly simulator: PolicySimulator,
  ) {}

  /** The set in force and its version (version 0, no set: the foundation's behaviour). */
  @Get()
  @Roles('operator', 'admin', 'auditor')
  current(@CurrentUser() admin: UserPrincipal) {
    const current = this.policies.currentVersion(admin.orgId);
    return current ? { version: current.version, digest: current.digest, set: current.set, appliedAt: current.appliedAt } : { version: 0, digest: null, set: null };
  }

  @Get('versions')
  @Roles('operator', 'admin', 'auditor')
  versions(@CurrentUser() admin: UserPrincipal) {
    return {
      versions: this.policies.history(admin.orgId).map(({ version, digest, appliedAt, appliedBy, baseVersion, rollbackOf }) => ({ version, digest, appliedAt, appliedBy, baseVersion, ...(rollbackOf !== undefined ? { rollbackOf } : {}) })),
    };
  }

  /** Body: the set. `baseVersion`: the version the change is based on (GET /v1/policies). */
  @Put()
  apply(@CurrentUser() admin: UserPrincipal, @Body() body: unknown, @Query('baseVersion') baseVersion: string | undefined): Promise<AppliedPolicySet> {
    return this.commands.execute(new ApplyPolicySetCommand(admin.orgId, { kind: 'set', set: body }, versionOf(baseVersion, 'baseVersion', true), actorOf(admin)));
  }

  /** Validates and diffs against the set in force; writes nothing. */
  @Post('validate')
  @HttpCode(200)
  validate(@CurrentUser() admin: UserPrincipal, @Body() body: unknown) {
    const { digest, warnings, diff, currentVersion } = this.validator.validate(admin.orgId, body);
    return { valid: true, digest, warnings, diff, currentVersion };
  }

  /** A new version equal to an earlier one. */
  @Post('rollback')
  @HttpCode(200)
  rollback(@CurrentUser() admin: UserPrincipal, @Body() body: unknown): Promise<AppliedPolicySet> {
    const { version, baseVersion, ...rest } = objectOf(body);
    refuseExtra(rest);
    return this.commands.execute(new ApplyPolicySetCommand(admin.orgId, { kind: 'rollback', version: versionOf(version, 'version', true)! }, versionOf(baseVersion, 'baseVersion', false), actorOf(admin)));
  }

  /** Replays the recorded calls of [since, until] through the proposed set; writes nothing. */
  @Post('simulate')
  @HttpCode(200)
  async simulate(@CurrentUser() admin: UserPrincipal, @Body() body: unknown) {
    const { set, since, until, ...rest } = objectOf(body);
    refuseExtra(rest);
    const now = new Date();
    const validated = this.validator.validate(admin.orgId, set);
    const report = await this.simulator.simulate(admin.orgId, validated.set, validated.digest, timeOf(since, 'since', now, new Date(now.getTime() - 7 * 86_400_000)), timeOf(until, 'until', now, now));
    return { ...report, warnings: validated.warnings, diff: validated.diff };
  }
}

function objectOf(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new WardenError('bad_request', 'VALIDATION.FAILED', 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

function refuseExtra(rest: Record<string, unknown>): void {
  const extra = Object.keys(rest);
  if (extra.length > 0) throw new WardenError('bad_request', 'VALIDATION.FAILED', `unknown key ${extra[0]}`, { field: extra[0] });
}

function versionOf(raw: unknown, field: string, required: boolean): number | undefined {
  if (raw === undefined && !required) return undefined;
  const value = typeof raw === 'string' && /^\d{1,9}$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new WardenError('bad_request', 'VALIDATION.FAILED', `${field} must be a policy version (0 when none is in force)`, { field });
  }
  return value;
}
