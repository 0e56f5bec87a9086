import type { EventEnvelope } from '@warden/ledger';
import type { ReadModelProjector } from '../ledger/read-model-projector';
import { ServersReadModel } from '../registry/servers.read-model';
import { AgentsReadModel } from './agents.read-model';

const projector = { register: () => undefined } as unknown as ReadModelProjector;
const at = '2026-11-01T10:00:00.000Z';
const envelope = (stream: string, seq: number, type: string, data: object) => ({ stream, seq, type, org: 'o1', at, actor: { kind: 'agent', id: 'a1' }, data }) as unknown as EventEnvelope;

/** The projector feeds every projection the events of every stream any projection reads: read models keep to their own streams. */
describe('read models ignore other streams’ events that name their ids', () => {
  it('an agent’s revision moves with its own stream only', () => {
    const agents = new AgentsReadModel(projector);
    agents.apply(envelope('agent-a1', 0, 'AgentRegistered', { agentId: 'a1', orgId: 'o1', name: 'x', keyHash: 'h', hint: 'k', servers: null }));
    agents.apply(envelope('calls-o1-node-1', 7, 'ToolCallDecided', { agentId: 'a1', callId: 'c1', decision: 'allow' }));
    agents.apply(envelope('approval-p1', 0, 'StepUpRequested', { agentId: 'a1', approvalId: 'p1' }));
    agents.apply(envelope('trust-a1', 3, 'AgentTrustAttested', { agentId: 'a1', score: 80, reason: 'r' }));
    expect(agents.get('o1', 'a1')).toMatchObject({ revision: 0, status: 'active' });
  });

  it('a server’s revision moves with its own stream only', () => {
    const servers = new ServersReadModel(projector);
    servers.apply(envelope('server-s1', 0, 'ServerRegistered', { serverId: 's1', orgId: 'o1', name: 'n', slug: 'n', url: 'http://127.0.0.1/mcp', tools: [] }));
    servers.apply(envelope('calls-o1-node-1', 9, 'ToolCallDecided', { serverId: 's1', agentId: 'a1', callId: 'c1' }));
    servers.apply(envelope('approval-p1', 4, 'StepUpRequested', { serverId: 's1', agentId: 'a1', approvalId: 'p1' }));
    expect(servers.get('o1', 's1')?.revision).toBe(0);
  });
});
