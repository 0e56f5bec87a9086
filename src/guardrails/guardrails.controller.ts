import { Body, Controller, Get, HttpCode, Post, Put, Query } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { WardenError } from '../common/warden-error';
import { CurrentUser } from '../identity/current-principal.decorator';
import type { UserPrincipal } from '../identity/principal';
import { actorOf } from '../identity/principal-actor';
import { Roles } from '../identity/route-access';
import { ApplyGuardrailSetCommand, type AppliedGuardrailSet } from './commands/apply-guardrail-set.command';
import { GuardrailValidator } from './guardrail-validator';
import { GuardrailsReadModel } from './guardrails.read-model';

/** Content guardrails as code: one versioned, signed set per organisation. */
@ApiTags('guardrails')
@ApiBearerAuth()
@Roles('operator', 'admin')
@Controller('v1/guardrails')
export class GuardrailsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly guardrails: GuardrailsReadModel,
    private readonly validator: GuardrailValidator,
  ) {}

  /** The set in force and its version (version 0, no set: nothing is scanned). */
  @Get()
  @Roles('operator', 'admin', 'auditor')
  current(@CurrentUser() user: UserPrincipal) {
    const current = this.guardrails.currentVersion(user.orgId);
    return current ? { version: current.version, digest: current.digest, set: current.set, appliedAt: current.appliedAt } : { version: 0, digest: null, set: null };
  }

  /** Body: the set. `baseVersion`: the version the change is based on (GET /v1/guardrails). */
  @Put()
  apply(@CurrentUser() user: UserPrincipal, @Body() body: unknown, @Query('baseVersion') baseVersion: string | undefined): Promise<AppliedGuardrailSet> {
    return this.commands.execute(new ApplyGuardrailSetCommand(user.orgId, body, versionOf(baseVersion), actorOf(user)));
  }

  /** Validates (patterns compiled with RE2, scopes checked); writes nothing. */
  @Post('validate')
  @HttpCode(200)
  validate(@CurrentUser() user: UserPrincipal, @Body() body: unknown) {
    const { digest, warnings, currentVersion } = this.validator.validate(user.orgId, body);
    return { valid: true, digest, warnings, currentVersion };
  }
}

function versionOf(raw: string | undefined): number {
  if (raw === undefined || !/^\d{1,9}$/.test(raw)) throw new WardenError('bad_request', 'VALIDATION.FAILED', 'baseVersion must be a guardrail version (0 when none is in force)', { field: 'baseVersion' });
  return Number(raw);
}
