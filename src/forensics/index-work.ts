import type { EventEnvelope } from '@warden/ledger';
import type { ForensicIndexWrite, IndexedCall, IndexedDecision, IndexedFinding } from '@warden/forensic-index';
import { PAYLOADS_ERASED_TYPE, type PayloadsErasedData } from '../erasure/erasure.events';
import type { ContentFinding } from '../gateway/tool-call/gate';
import type { McpRequestRelayedData, RecordedReason, ToolCallCompletedData, ToolCallDecidedData, ToolCallFailedData } from '../gateway/tool-call/tool-call.events';

/** A payload to read back (decrypted) for its text, with the paths the scanner flagged in it. */
export interface PayloadToIndex {
  org: string;
  eventId: string;
  callId: string;
  /** The root the guardrail scanner gave it ($.arguments, or $ for a result). */
  root: string;
  findingPaths: string[];
}

export interface IndexWork {
  writes: ForensicIndexWrite[];
  payload?: PayloadToIndex;
}

const findingsOf = (findings: ContentFinding[] | undefined, where: IndexedFinding['where']): IndexedFinding[] =>
  (findings ?? []).map((f) => ({ detector: f.detector, rule: f.rule, action: f.action, kind: f.kind, path: f.path, where }));

const reasonsOf = (reasons: RecordedReason[] | undefined) => (reasons ?? []).map((r) => ({ gate: r.gate, code: r.code, decision: r.decision }));

const payloadOf = (envelope: EventEnvelope, callId: string, root: string, findings: ContentFinding[] | undefined): PayloadToIndex | undefined =>
  envelope.payload ? { org: envelope.org, eventId: envelope.id, callId, root, findingPaths: (findings ?? []).map((f) => f.path) } : undefined;

/** What every indexed call takes from its event and the decision it records; the rest is the event type's. */
type CallFields = Pick<IndexedCall, 'callId' | 'kind' | 'tool' | 'method' | 'decision' | 'findings' | 'outcome' | 'events'> &
  Partial<Pick<IndexedCall, 'target' | 'workflow' | 'aiInvocation' | 'latencyMs'>>;

interface RecordedDecision {
  agentId: string;
  serverId: string | null;
  reasons?: RecordedReason[];
  rules?: string[];
  policyVersion?: IndexedCall['policyVersion'];
}

const indexedCall = (envelope: EventEnvelope, recorded: RecordedDecision, fields: CallFields): IndexedCall => ({
  org: envelope.org,
  agentId: recorded.agentId,
  serverId: recorded.serverId,
  target: null,
  reasons: reasonsOf(recorded.reasons),
  rules: recorded.rules ?? [],
  policyVersion: recorded.policyVersion ?? null,
  workflow: null,
  aiInvocation: null,
  at: envelope.at,
  latencyMs: null,
  cost: null,
  ...fields,
});

/**
 * What one verified event changes in the forensic index (pure): a tool call's decision, outcome
 * and payloads, a relayed request, an erasure. Other events change nothing (undefined).
 */
export function indexWorkOf(envelope: EventEnvelope): IndexWork | undefined {
  switch (envelope.type) {
    case 'ToolCallDecided': {
      const data = envelope.data as unknown as ToolCallDecidedData;
      const call = indexedCall(envelope, data, {
        callId: data.callId,
        kind: 'tool_call',
        tool: data.tool,
        method: 'tools/call',
        decision: data.decision as IndexedDecision,
        workflow: data.workflow ?? null,
        aiInvocation: data.aiInvocation ? ({ ...data.aiInvocation } as Record<string, string>) : null,
        findings: findingsOf(data.findings, 'arguments'),
        outcome: data.decision === 'deny' ? 'denied' : null,
        events: { decided: envelope.id, outcome: null },
      });
      return { writes: [{ kind: 'call', call }], payload: payloadOf(envelope, data.callId, '$.arguments', data.findings) };
    }
    case 'ToolCallCompleted': {
      const data = envelope.data as unknown as ToolCallCompletedData;
      const outcome = {
        org: envelope.org,
        callId: data.callId,
        eventId: envelope.id,
        latencyMs: data.latencyMs,
        cost: data.cost ? { amount: data.cost.amount, currency: data.cost.currency } : null,
        findings: findingsOf(data.findings, 'result'),
        outcome: data.isError ? 'error' : 'ok',
      };
      return { writes: [{ kind: 'outcome', outcome }], payload: payloadOf(envelope, data.callId, '$', data.findings) };
    }
    case 'ToolCallFailed': {
      const data = envelope.data as unknown as ToolCallFailedData;
      const outcome = { org: envelope.org, callId: data.callId, eventId: envelope.id, latencyMs: data.latencyMs, cost: null, findings: [], outcome: `failed ${data.reason}` };
      return { writes: [{ kind: 'outcome', outcome }] };
    }
    case 'McpRequestRelayed': {
      const data = envelope.data as unknown as McpRequestRelayedData;
      const call = indexedCall(envelope, data, {
        callId: envelope.id,
        kind: 'mcp_request',
        tool: data.method,
        method: data.method,
        target: data.target,
        decision: (data.decision as IndexedDecision | undefined) ?? null,
        latencyMs: data.latencyMs,
        findings: [...findingsOf(data.argumentFindings, 'arguments'), ...findingsOf(data.findings, 'result')],
        outcome: data.outcome,
        events: { decided: envelope.id, outcome: envelope.id },
      });
      return { writes: [{ kind: 'call', call }], payload: payloadOf(envelope, envelope.id, '$', data.findings) };
    }
    case PAYLOADS_ERASED_TYPE: {
      const data = envelope.data as unknown as PayloadsErasedData;
      return { writes: [{ kind: 'erasure', org: envelope.org, erasureEventId: envelope.id, eventIds: data.eventIds }] };
    }
    default:
      return undefined;
  }
}
