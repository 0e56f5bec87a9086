import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AgentsReadModel } from '../agents/agents.read-model';
import { WardenError } from '../common/warden-error';
import { CurrentUser } from '../identity/current-principal.decorator';
import type { UserPrincipal } from '../identity/principal';
import { actorOf } from '../identity/principal-actor';
import { Roles } from '../identity/route-access';
import { AggregateStore } from '../ledger/aggregate-store';
import { AttestTrustDto } from './dto/attest-trust.dto';
import { trustAttestationDecider } from './trust-attestation.decider';
import { trustStream } from './trust.events';
import { TrustReadModel } from './trust.read-model';

/** An agent's trust score (score, inputs, age) and admins' attestations. */
@ApiTags('trust')
@Controller('v1/agents/:agentId')
export class TrustController {
  constructor(
    private readonly agents: AgentsReadModel,
    private readonly trust: TrustReadModel,
    private readonly aggregates: AggregateStore,
  ) {}

  @Get('trust')
  @Roles('operator', 'admin', 'approver', 'auditor')
  show(@CurrentUser() user: UserPrincipal, @Param('agentId') agentId: string) {
    this.requireAgent(user.orgId, agentId);
    return { agentId, ...this.trust.readingOf(user.orgId, agentId) };
  }

  @Post('attest')
  @HttpCode(200)
  @Roles('admin')
  async attest(@CurrentUser() user: UserPrincipal, @Param('agentId') agentId: string, @Body() body: AttestTrustDto) {
    this.requireAgent(user.orgId, agentId);
    await this.aggregates.handle(trustAttestationDecider, { type: 'AttestTrust', agentId, score: body.score, reason: body.reason }, { stream: trustStream(agentId), org: user.orgId, actor: actorOf(user) });
    return { agentId, ...this.trust.readingOf(user.orgId, agentId) };
  }

  private requireAgent(orgId: string, agentId: string): void {
    if (!this.agents.get(orgId, agentId)) throw new WardenError('not_found', 'AGENTS.UNKNOWN', 'no such agent in this organisation', { agentId: agentId.slice(0, 64) });
  }
}
