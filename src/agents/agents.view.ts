import type { Agent } from './agents.read-model';

/** The API's view of an agent (a copy: the read model's object keeps changing). */
export function agentView(agent: Agent) {
  const { agentId, orgId, name, hint, servers, labels, status, revision, registeredAt, updatedAt } = agent;
  return { agentId, orgId, name, hint, servers, labels: { ...labels }, status, revision, registeredAt, updatedAt };
}
