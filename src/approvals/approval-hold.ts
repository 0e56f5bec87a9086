import { Inject, Injectable } from '@nestjs/common';
import { WardenError } from '../common/warden-error';
import { WARDEN_CONFIG, type WardenConfig } from '../config/warden-config';
import type { McpRequestContext } from '../gateway/mcp-request-context';
import { StepUpHolds, type HeldCall, type StepUpHold } from '../gateway/tool-call/step-up-hold';
import { CLOCK, type Clock } from '../ledger/clock';
import { ApprovalNotifier } from './approval-notifier';
import { ApprovalsReadModel } from './approvals.read-model';
import { ArgumentsDigests } from './arguments-digest';
import { StepUpApprovals } from './step-up-approvals';

/** How often a waiting request tells the agent it is still waiting (when it asked for progress). */
const PROGRESS_EVERY_MS = 1_000;

/**
 * The approvals capability's StepUpHold: a retry with an approved call's exact arguments consumes
 * the approval; otherwise the call is held (StepUpRequested), the approvers are told, and the
 * request waits up to WARDEN_STEP_UP_WAIT_MS for the read model to see the approval, then either
 * proceeds or gets GATE.STEP_UP_PENDING with the approval id, its state and `retryable: true`.
 */
@Injectable()
export class ApprovalHold implements StepUpHold {
  constructor(
    private readonly approvals: ApprovalsReadModel,
    private readonly commands: StepUpApprovals,
    private readonly digests: ArgumentsDigests,
    private readonly notifier: ApprovalNotifier,
    @Inject(WARDEN_CONFIG) private readonly config: WardenConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    holds: StepUpHolds,
  ) {
    holds.provide(this);
  }

  async release(call: HeldCall): Promise<{ approvalId: string } | undefined> {
    const digest = this.digests.of(call.arguments);
    // Normally one candidate; another node may consume it first, then the next one is tried.
    for (let attempt = 0; attempt < 3; attempt++) {
      const usable = this.approvals.usableFor(call.orgId, { ...call, argumentsDigest: digest }, this.clock.nowMs());
      if (!usable) return undefined;
      if (await this.commands.consume(call.orgId, usable.approvalId, call.callId, agentActor(call))) return { approvalId: usable.approvalId };
    }
    return undefined;
  }

  async hold(call: HeldCall, ctx: McpRequestContext, progressToken: string | number | undefined): Promise<{ approvalId: string }> {
    const requested = await this.commands.request(call.orgId, agentActor(call), {
      callId: call.callId,
      agentId: call.agentId,
      serverId: call.serverId,
      tool: call.tool,
      argumentsDigest: this.digests.of(call.arguments),
      rules: call.rules,
    });
    this.notifier.requested(requested);
    const state = await this.waitForDecision(call.orgId, requested.approvalId, ctx, progressToken);
    // An agent that went away is not answered: its approval stays for its retry.
    if (state === 'approved' && ctx.signal?.aborted !== true && (await this.commands.consume(call.orgId, requested.approvalId, call.callId, agentActor(call)))) return { approvalId: requested.approvalId };
    const now = this.approvals.get(call.orgId, requested.approvalId, this.clock.nowMs())?.state ?? 'pending';
    throw pendingError(call, requested.approvalId, requested.expiresAt, now === 'approved' || now === 'consumed' ? 'pending' : now);
  }

  /** Resolves with the approval's state once it is no longer pending, or at the wait bound (or when the agent goes away). */
  private waitForDecision(orgId: string, approvalId: string, ctx: McpRequestContext, progressToken: string | number | undefined): Promise<string> {
    const stateNow = () => this.approvals.get(orgId, approvalId, this.clock.nowMs())?.state ?? 'pending';
    if (stateNow() !== 'pending' || this.config.approvals.stepUpWaitMs === 0) return Promise.resolve(stateNow());
    return new Promise((resolve) => {
      const started = Date.now();
      const finish = () => {
        unwatch();
        clearTimeout(bound);
        clearInterval(progress);
        ctx.signal?.removeEventListener('abort', finish);
        resolve(stateNow());
      };
      const unwatch = this.approvals.watch(approvalId, () => {
        if (stateNow() !== 'pending') finish();
      });
      const bound = setTimeout(finish, this.config.approvals.stepUpWaitMs);
      const notify = ctx.notify;
      const progress =
        progressToken !== undefined && notify !== undefined
          ? setInterval(() => {
              notify({
                jsonrpc: '2.0',
                method: 'notifications/progress',
                params: { progressToken, progress: Date.now() - started, total: this.config.approvals.stepUpWaitMs, message: `waiting for an approver (approval ${approvalId})` },
              });
            }, Math.min(PROGRESS_EVERY_MS, Math.max(10, Math.floor(this.config.approvals.stepUpWaitMs / 4))))
          : undefined;
      ctx.signal?.addEventListener('abort', finish, { once: true });
    });
  }
}

const agentActor = (call: HeldCall) => ({ kind: 'agent' as const, id: call.agentId });

function pendingError(call: HeldCall, approvalId: string, expiresAt: string, state: string): WardenError {
  const words = state === 'denied' ? 'an approver denied this call' : state === 'expired' ? 'the approval request expired' : 'this call waits for an approver';
  return new WardenError('denied', 'GATE.STEP_UP_PENDING', `${words}; retry the same call once it is approved (approval ${approvalId})`, {
    callId: call.callId,
    approvalId,
    retryable: true,
    state,
    expiresAt,
    decision: 'step_up',
    ...(call.rules.length > 0 ? { rules: call.rules } : {}),
  });
}
