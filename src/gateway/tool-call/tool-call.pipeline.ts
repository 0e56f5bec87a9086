import { Injectable } from '@nestjs/common';
import { mcpParamHeaders } from '../../common/mcp-header-value';
import { WardenError } from '../../common/warden-error';
import { WardenMetrics } from '../../metrics/warden-metrics';
import { ServersReadModel } from '../../registry/servers.read-model';
import { upstreamTargetOf } from '../../registry/server-endpoint';
import type { McpRequestContext } from '../mcp-request-context';
import { aiInvocationOf } from '../ai-invocation';
import { forwardableParams } from '../hop-meta';
import { UpstreamCaller } from '../upstream-call';
import { resolveTool } from '../tool-names';
import { CallRecorder } from './call-recorder';
import { ContentFilterRegistry } from './content-filters';
import { combine, firstRestrictive, type CallContext } from './gate';
import { GateRegistry } from './gate-registry';
import { StepUpHolds, type HeldCall } from './step-up-hold';
import { decisionRecord, refusalOf } from './verdict-record';

/**
 * The hot path of DESIGN.md §5: resolve → gate (every check, most restrictive wins) →
 * ToolCallDecided durable BEFORE the upstream sees anything → forward on the pooled session →
 * ToolCallCompleted / ToolCallFailed with latency, recorded right behind the answer.
 * If the ledger cannot write the decision, nothing is forwarded.
 */
@Injectable()
export class ToolCallPipeline {
  constructor(
    private readonly recorder: CallRecorder,
    private readonly upstreamCaller: UpstreamCaller,
    private readonly servers: ServersReadModel,
    private readonly gates: GateRegistry,
    private readonly filters: ContentFilterRegistry,
    private readonly metrics: WardenMetrics,
    private readonly stepUps: StepUpHolds,
  ) {}

  async call(ctx: McpRequestContext, params: Record<string, unknown> | undefined): Promise<Record<string, unknown>> {
    const started = performance.now();
    const name = params?.name;
    if (typeof name !== 'string' || name.length === 0 || name.length > 256) {
      throw new WardenError('bad_request', 'EDGE.INVALID_PARAMS', 'params.name must be a tool name', { field: 'name' });
    }
    const args = params?.arguments ?? {};
    if (typeof args !== 'object' || args === null || Array.isArray(args)) {
      throw new WardenError('bad_request', 'EDGE.INVALID_PARAMS', 'params.arguments must be an object', { field: 'arguments' });
    }

    const resolved = resolveTool(this.servers, ctx, name);
    const rawMeta = params?._meta;
    const meta = typeof rawMeta === 'object' && rawMeta !== null && !Array.isArray(rawMeta) ? (rawMeta as Record<string, unknown>) : undefined;
    const { aiInvocation, workflow } = aiInvocationOf(meta);
    const callId = this.recorder.newCallId();
    const call: CallContext = {
      agent: ctx.agent,
      requestedName: name,
      ...resolved,
      method: 'tools/call',
      arguments: args as Record<string, unknown>,
      ...(meta ? { meta } : {}),
      ...(workflow !== undefined ? { workflow } : {}),
      callId,
      at: new Date(),
      token: ctx.token,
    };
    // Gates are synchronous: what a limit gate reserves here is settled below, before any other call's gates run in between.
    const combined = combine(this.gates.for('tools/call').map((gate) => gate.evaluate(call)));
    const reasons = combined.reasons;
    const forwarded = combined.decision === 'allow' || combined.decision === 'observe';
    if (!forwarded) this.gates.settle(call, combined.decision, true);
    // A step-up held by the approvals capability: an approval given for exactly this call releases it once.
    const held = combined.decision === 'step_up' ? this.heldCall(ctx, call, callId, decisionRecord('step_up', reasons).rules) : undefined;
    const released = held ? await held.hold.release(held.call) : undefined;
    const decision = released ? 'allow' : combined.decision;
    // Content filters (guardrail redaction) rewrite what is forwarded; the payload keeps what the agent sent.
    const outgoing = decision !== 'deny' ? this.filters.filterArguments(call, call.arguments!) : { arguments: call.arguments!, rewritten: false };
    const actor = { kind: 'agent' as const, id: ctx.agent.agentId };
    const org = ctx.agent.orgId;
    // Metric labels: the server's id and a registered tool's name only (never what the agent typed otherwise).
    const serverLabel = resolved.server?.serverId ?? '(none)';
    const toolLabel = resolved.tool ? resolved.tool.name : '(unknown)';

    const commitStarted = performance.now();
    const recording = this.recorder.decided(
      org,
      actor,
      {
        callId,
        agentId: ctx.agent.agentId,
        serverId: resolved.server?.serverId ?? null,
        tool: resolved.toolName ?? name,
        ...decisionRecord(decision, reasons),
        ...(released ? { approvalId: released.approvalId } : {}),
        protocolVersion: ctx.protocolVersion,
        endpoint: ctx.endpoint,
        requestId: String(ctx.requestId),
        ...(ctx.token ? { tokenJti: ctx.token.jti } : {}),
        ...(workflow !== undefined ? { workflow } : {}),
        ...(aiInvocation ? { aiInvocation } : {}),
        ...(outgoing.rewritten ? { argumentsRedacted: true } : {}),
      },
      args,
    );
    if (forwarded) {
      // A decision that did not become durable releases what the limit gates reserved for it.
      await recording.catch((error: unknown) => {
        this.gates.settle(call, decision, false);
        throw error;
      });
    } else {
      await recording;
    }

    const blocking = decision !== 'allow' && decision !== 'observe' ? firstRestrictive(reasons, decision)! : undefined;
    this.metrics.decided(decision, blocking?.code, (performance.now() - commitStarted) / 1000);
    if (blocking && held) {
      // Waits (bounded) for an approver; proceeds once the approval is consumed, else throws the pending error.
      await held.hold.hold(held.call, ctx, progressTokenOf(meta)).catch((error: unknown) => {
        this.metrics.finished(serverLabel, toolLabel, 'denied', error instanceof WardenError ? error.code : 'GATE.STEP_UP_PENDING', (performance.now() - started) / 1000);
        throw error;
      });
    } else if (blocking) {
      this.metrics.finished(serverLabel, toolLabel, 'denied', blocking.code, (performance.now() - started) / 1000);
      throw refusalOf(blocking, decision, { callId });
    }

    const server = resolved.server!;
    const upstreamStarted = performance.now();
    let result: Record<string, unknown>;
    try {
      result = await this.upstreamCaller.call(
        ctx,
        upstreamTargetOf(server),
        'tools/call',
        forwardableParams({ ...params, name: resolved.toolName, arguments: outgoing.arguments }),
        mcpParamHeaders(resolved.tool?.definition.inputSchema, outgoing.arguments),
      );
    } catch (error) {
      const failure = error instanceof WardenError ? error : new WardenError('upstream', 'UPSTREAM.UNAVAILABLE', 'the upstream is unavailable');
      this.recorder.failed(org, actor, {
        callId,
        reason: failure.code,
        ...(typeof failure.details.detail === 'string' ? { detail: failure.details.detail } : {}),
        latencyMs: round(performance.now() - started),
        upstreamMs: round(performance.now() - upstreamStarted),
      });
      this.metrics.finished(serverLabel, toolLabel, 'failed', failure.code, (performance.now() - started) / 1000, (performance.now() - upstreamStarted) / 1000);
      failure.details.callId = callId;
      throw failure;
    }
    const upstreamMs = performance.now() - upstreamStarted;
    const cost = this.gates.costOf(call, result);
    const filtered = this.filters.filterResult(call, result);
    this.recorder.completed(
      org,
      actor,
      {
        callId,
        latencyMs: round(performance.now() - started),
        upstreamMs: round(upstreamMs),
        isError: result.isError === true,
        ...(cost ? { cost } : {}),
        ...(filtered.findings.length > 0 ? { findings: filtered.findings } : {}),
        ...(filtered.withheld ? { resultFiltered: 'withheld' as const, filterCode: filtered.withheld.code } : filtered.rewritten ? { resultFiltered: 'redacted' as const } : {}),
        ...(!filtered.withheld && filtered.code ? { filterCode: filtered.code } : {}),
      },
      result,
    );
    if (filtered.withheld) {
      this.metrics.finished(serverLabel, toolLabel, 'denied', filtered.withheld.code, (performance.now() - started) / 1000, upstreamMs / 1000);
      throw new WardenError('denied', filtered.withheld.code, filtered.withheld.detail, { callId, rules: filtered.withheld.rules });
    }
    this.metrics.finished(serverLabel, toolLabel, result.isError === true ? 'error_result' : 'completed', 'none', (performance.now() - started) / 1000, upstreamMs / 1000);
    return filtered.result;
  }
  private heldCall(ctx: McpRequestContext, call: CallContext, callId: string, rules: string[] | undefined): { hold: NonNullable<StepUpHolds['current']>; call: HeldCall } | undefined {
    const hold = this.stepUps.current;
    if (!hold || !call.server) return undefined;
    return {
      hold,
      call: { orgId: ctx.agent.orgId, callId, agentId: ctx.agent.agentId, serverId: call.server.serverId, tool: call.toolName ?? call.requestedName, arguments: call.arguments ?? {}, rules: rules ?? [] },
    };
  }
}

function progressTokenOf(meta: unknown): string | number | undefined {
  const token = typeof meta === 'object' && meta !== null ? (meta as { progressToken?: unknown }).progressToken : undefined;
  return typeof token === 'string' || typeof token === 'number' ? token : undefined;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
