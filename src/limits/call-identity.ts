import type { CallContext } from '../gateway/tool-call/gate';
import type { CallFacts } from './call-keys';
import type { CallIdentity } from './compiled-limit-set';

/** A resolved tool call as the limit gates see it; undefined before the tool is resolved (the tool-state gate denies those). */
export function identityOf(call: CallContext): { identity: CallIdentity; facts: CallFacts; callId: string } | undefined {
  if (!call.server || !call.tool || !call.toolName || !call.callId) return undefined;
  const identity: CallIdentity = {
    agentId: call.agent.agentId,
    agentName: call.agent.name,
    serverId: call.server.serverId,
    serverSlug: call.server.slug,
    tool: call.toolName,
    ...(call.workflow !== undefined ? { workflow: call.workflow } : {}),
  };
  const facts: CallFacts = { org: call.agent.orgId, agent: identity.agentId, server: identity.serverId, tool: identity.tool, ...(call.workflow !== undefined ? { workflow: call.workflow } : {}) };
  return { identity, facts, callId: call.callId };
}
