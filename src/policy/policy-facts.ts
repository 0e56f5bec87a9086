import type { PolicyFacts, RiskClass } from '@warden/policy';
import type { Agent } from '../agents/agents.read-model';
import type { CallContext } from '../gateway/tool-call/gate';

/** The trust score as the policy may use it: a fresh score, or why there is none. */
export type TrustFact = { score: number; problem?: undefined } | { score?: undefined; problem: 'POLICY.TRUST_UNKNOWN' | 'POLICY.TRUST_STALE' };

/** Agent labels are being added by another capability: until they exist an agent has none. */
export function labelsOf(agent: Agent): Record<string, string> {
  const labels = (agent as Agent & { labels?: unknown }).labels;
  return typeof labels === 'object' && labels !== null ? (labels as Record<string, string>) : {};
}

/**
 * What the policy sees of a request. A resource read, a prompt and a completion are class read.
 * `workflow` is client-asserted (`_meta.workflow`); `trust` is the agent's score from the trust
 * projection when it is fresh (absent with the reason otherwise: a rule that reads it then
 * denies); no capability token claims yet, so `jwt` is empty.
 */
export function policyFactsOf(call: CallContext, trust: TrustFact = { problem: 'POLICY.TRUST_UNKNOWN' }): PolicyFacts {
  const riskClass: RiskClass | null = call.method === 'tools/call' ? (call.tool?.riskClass ?? null) : 'read';
  const workflow = call.meta?.workflow;
  return {
    method: call.method,
    riskClass,
    server: call.server ? { id: call.server.serverId, slug: call.server.slug } : null,
    ...(call.method === 'tools/call' ? { tool: { name: call.toolName ?? call.requestedName, arguments: call.arguments ?? {} } } : {}),
    ...(call.resourceUri !== undefined ? { resource: { uri: call.resourceUri } } : {}),
    ...(call.promptName !== undefined ? { prompt: { name: call.promptName } } : {}),
    agent: { id: call.agent.agentId, name: call.agent.name, labels: labelsOf(call.agent) },
    ...(typeof workflow === 'object' && workflow !== null && !Array.isArray(workflow) ? { workflow: workflow as Record<string, unknown> } : {}),
    time: call.at,
    ...(trust.score !== undefined ? { trust: trust.score } : { trustProblem: trust.problem }),
  };
}
