import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '@warden/ledger';
import { WrongExpectedRevisionError } from '@warden/event-store';
import { WardenError } from '../common/warden-error';
import { WARDEN_CONFIG, type WardenConfig } from '../config/warden-config';
import { AggregateStore } from '../ledger/aggregate-store';
import { CLOCK, ID_GENERATOR, type Clock, type IdGenerator } from '../ledger/clock';
import { approvalDecider, type ApprovalCommand } from './approval.decider';
import { approvalStream, type StepUpRequested } from './approvals.events';
import { ApprovalsReadModel, type ApprovalView } from './approvals.read-model';

/** The approvals' commands, each through the AggregateStore on the approval's own stream (expected revision: each step once). */
@Injectable()
export class StepUpApprovals {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly approvals: ApprovalsReadModel,
    @Inject(WARDEN_CONFIG) private readonly config: WardenConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async request(orgId: string, actor: Actor, request: Omit<StepUpRequested['data'], 'approvalId' | 'requestedAt' | 'expiresAt'>): Promise<StepUpRequested['data']> {
    const nowMs = this.clock.nowMs();
    const data = { approvalId: this.ids.next(), ...request, requestedAt: new Date(nowMs).toISOString(), expiresAt: new Date(nowMs + this.config.approvals.approvalTtlMs).toISOString() };
    await this.run(orgId, data.approvalId, actor, { type: 'RequestStepUp', request: data });
    return data;
  }

  async decide(orgId: string, approvalId: string, verdict: 'approve' | 'deny', approver: Actor, comment: string | null): Promise<ApprovalView> {
    const view = this.approvals.get(orgId, approvalId, this.clock.nowMs());
    if (!view) throw new WardenError('not_found', 'APPROVAL.UNKNOWN', 'no such approval in this organisation', { approvalId });
    await this.run(orgId, approvalId, approver, {
      type: 'DecideStepUp',
      verdict,
      approver,
      owner: this.approvals.ownerOf(view.agentId),
      allowSelfApproval: this.config.approvals.allowSelfApproval,
      comment,
      at: new Date(this.clock.nowMs()).toISOString(),
    });
    return this.approvals.get(orgId, approvalId, this.clock.nowMs())!;
  }

  /** Single use: the stream's expected revision lets one consumer win, whichever node it runs on. */
  async consume(orgId: string, approvalId: string, callId: string, actor: Actor): Promise<boolean> {
    try {
      await this.run(orgId, approvalId, actor, { type: 'ConsumeApproval', callId, at: new Date(this.clock.nowMs()).toISOString() });
      return true;
    } catch (error) {
      if (error instanceof WardenError && error.code === 'APPROVAL.NOT_USABLE') return false;
      throw error;
    }
  }

  private async run(orgId: string, approvalId: string, actor: Actor, command: ApprovalCommand): Promise<void> {
    try {
      await this.aggregates.handle(approvalDecider, command, { stream: approvalStream(approvalId), org: orgId, actor });
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) {
        throw new WardenError('conflict', 'APPROVAL.NOT_USABLE', 'this approval changed meanwhile; read it again', { approvalId, state: 'changed' });
      }
      throw error;
    }
  }
}
