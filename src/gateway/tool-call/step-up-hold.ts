import { Injectable } from '@nestjs/common';
import type { McpRequestContext } from '../mcp-request-context';

/** The call a step_up decision holds, as the approvals capability needs it. */
export interface HeldCall {
  orgId: string;
  callId: string;
  agentId: string;
  serverId: string;
  tool: string;
  arguments: Record<string, unknown>;
  /** The policy rules that asked for the step-up. */
  rules: string[];
}

/**
 * What the approvals capability provides to the pipeline (a seam: no approval logic in the
 * pipeline). Both steps throw a WardenError to refuse; `release` and `hold` resolve only when the
 * call may be forwarded, and the record of that (StepUpConsumed) is durable before they resolve.
 */
export interface StepUpHold {
  /** Before the decision is recorded: consumes an approval given for exactly this call, if there is one. */
  release(call: HeldCall): Promise<{ approvalId: string } | undefined>;
  /** After ToolCallDecided(step_up) is durable: requests approval and waits (bounded); throws the pending error. */
  hold(call: HeldCall, ctx: McpRequestContext, progressToken: string | number | undefined): Promise<{ approvalId: string }>;
}

/** Where the approvals module plugs its StepUpHold in; without one, a step_up decision is refused. */
@Injectable()
export class StepUpHolds {
  private provided?: StepUpHold;

  provide(hold: StepUpHold): void {
    if (this.provided) throw new Error('a StepUpHold is provided twice');
    this.provided = hold;
  }

  get current(): StepUpHold | undefined {
    return this.provided;
  }
}
