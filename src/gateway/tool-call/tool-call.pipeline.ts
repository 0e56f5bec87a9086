import { Injectable } from '@nestjs/common';
import { mcpParamHeaders } from '../../common/mcp-header-value';
import { WardenError } from '../../common/warden-error';
import { WardenMetrics } from '../../metrics/warden-metrics';
import { ServersReadModel } from '../../registry/servers.read-model';
import { upstreamTargetOf } from '../../registry/server-endpoint';
import type { McpRequestContext } from '../mcp-request-context';
import { forwardableParams } from '../hop-meta';
import { UpstreamCaller } from '../upstream-call';
import { resolveTool } from '../tool-names';
import { CallRecorder } from './call-recorder';
import { combine, firstRestrictive, type CallContext } from './gate';
import { GateRegistry } from './gate-registry';
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
    private readonly metrics: WardenMetrics,
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
    const meta = params?._meta;
    const call: CallContext = {
      agent: ctx.agent,
      requestedName: name,
      ...resolved,
      method: 'tools/call',
      arguments: args as Record<string, unknown>,
      ...(typeof meta === 'object' && meta !== null && !Array.isArray(meta) ? { meta: meta as Record<string, unknown> } : {}),
      at: new Date(),
      token: ctx.token,
    };
    const { decision, reasons } = combine(this.gates.for('tools/call').map((gate) => gate.evaluate(call)));
    const callId = this.recorder.newCallId();
    const actor = { kind: 'agent' as const, id: ctx.agent.agentId };
    const org = ctx.agent.orgId;
    // Metric labels: the server's id and a registered tool's name only (never what the agent typed otherwise).
    const serverLabel = resolved.server?.serverId ?? '(none)';
    const toolLabel = resolved.tool ? resolved.tool.name : '(unknown)';

    const commitStarted = performance.now();
    await this.recorder.decided(
      org,
      actor,
      {
        callId,
        agentId: ctx.agent.agentId,
        serverId: resolved.server?.serverId ?? null,
        tool: resolved.toolName ?? name,
        ...decisionRecord(decision, reasons),
        protocolVersion: ctx.protocolVersion,
        endpoint: ctx.endpoint,
        requestId: String(ctx.requestId),
        ...(ctx.token ? { tokenJti: ctx.token.jti } : {}),
      },
      args,
    );

    const blocking = decision !== 'allow' && decision !== 'observe' ? firstRestrictive(reasons, decision)! : undefined;
    this.metrics.decided(decision, blocking?.code, (performance.now() - commitStarted) / 1000);
    if (blocking) {
      this.metrics.finished(serverLabel, toolLabel, 'denied', blocking.code, (performance.now() - started) / 1000);
      throw refusalOf(blocking, decision, { callId });
    }

    const server = resolved.server!;
    const upstreamStarted = performance.now();
    try {
      const result = await this.upstreamCaller.call(
        ctx,
        upstreamTargetOf(server),
        'tools/call',
        forwardableParams({ ...params, name: resolved.toolName }),
        mcpParamHeaders(resolved.tool?.definition.inputSchema, args),
      );
      const upstreamMs = performance.now() - upstreamStarted;
      this.recorder.completed(
        org,
        actor,
        { callId, latencyMs: round(performance.now() - started), upstreamMs: round(upstreamMs), isError: result.isError === true },
        result,
      );
      this.metrics.finished(serverLabel, toolLabel, result.isError === true ? 'error_result' : 'completed', 'none', (performance.now() - started) / 1000, upstreamMs / 1000);
      return result;
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
  }
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
