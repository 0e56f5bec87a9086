import type { AgentCommand } from './agent.decider';
import { agentDecider as decider } from './agent.decider';
import type { AgentEvent } from './agents.events';

const given = (events: AgentEvent[]) => events.reduce(decider.evolve, decider.initialState());
const when = (events: AgentEvent[], command: AgentCommand) => decider.decide(command, given(events));

const registered: AgentEvent = {
  type: 'AgentRegistered',
  data: { agentId: 'a1', orgId: 'o1', name: 'bot', keyHash: 'h1', hint: '#1', servers: null, labels: { team: 'billing' } },
};
const suspended: AgentEvent = { type: 'AgentSuspended', data: { agentId: 'a1' } };
const revoked: AgentEvent = { type: 'AgentRevoked', data: { agentId: 'a1' } };

describe('agent decider', () => {
  it('records only the fields an update changes, at the revision it read', () => {
    expect(when([registered], { type: 'UpdateAgent', expectedRevision: 0, name: 'bot', labels: { team: 'ops' }, servers: ['s1'] })).toEqual([
      { type: 'AgentUpdated', data: { agentId: 'a1', labels: { team: 'ops' }, servers: ['s1'] } },
    ]);
    expect(when([registered], { type: 'UpdateAgent', expectedRevision: 0, name: 'bot', labels: { team: 'billing' }, servers: null })).toEqual([]);
    const after = given([registered, { type: 'AgentUpdated', data: { agentId: 'a1', servers: ['s1'], labels: {} } }]);
    expect(after).toMatchObject({ revision: 1, servers: ['s1'], labels: {}, name: 'bot' });
  });

  it('refuses a change based on a stale revision with CONFLICT.STALE_REVISION', () => {
    const events = [registered, suspended];
    expect(() => when(events, { type: 'UpdateAgent', expectedRevision: 0, name: 'other' })).toThrow(
      expect.objectContaining({ code: 'CONFLICT.STALE_REVISION', kind: 'conflict', details: { expectedRevision: 0, currentRevision: 1 } }),
    );
    expect(when(events, { type: 'UpdateAgent', expectedRevision: 1, name: 'other' })).toHaveLength(1);
  });

  it('suspends and resumes; repeating either is idempotent (nothing recorded)', () => {
    expect(when([registered], { type: 'SuspendAgent' })).toEqual([suspended]);
    expect(when([registered, suspended], { type: 'SuspendAgent' })).toEqual([]);
    expect(when([registered, suspended], { type: 'ResumeAgent' })).toEqual([{ type: 'AgentResumed', data: { agentId: 'a1' } }]);
    expect(when([registered], { type: 'ResumeAgent' })).toEqual([]);
    expect(given([registered, suspended]).status).toBe('suspended');
  });

  it('revokes for good: resuming, suspending, updating or rotating a revoked agent is 409 AGENT.REVOKED', () => {
    expect(when([registered, suspended], { type: 'RevokeAgent' })).toEqual([revoked]);
    const events = [registered, suspended, revoked];
    for (const command of [
      { type: 'ResumeAgent' },
      { type: 'SuspendAgent' },
      { type: 'UpdateAgent', name: 'x' },
      { type: 'RotateAgentKey', keyHash: 'h2', hint: '#2', previousKeysValidUntil: null },
    ] as AgentCommand[]) {
      expect(() => when(events, command)).toThrow(expect.objectContaining({ code: 'AGENT.REVOKED', kind: 'conflict', details: { state: 'revoked' } }));
    }
    expect(when(events, { type: 'RevokeAgent' })).toEqual([]);
  });

  it('rotates the key with the grace the handler computed, also while suspended', () => {
    expect(when([registered, suspended], { type: 'RotateAgentKey', keyHash: 'h2', hint: '#2', previousKeysValidUntil: '2030-01-01T00:00:00.000000Z' })).toEqual([
      { type: 'AgentKeyRotated', data: { agentId: 'a1', keyHash: 'h2', hint: '#2', previousKeysValidUntil: '2030-01-01T00:00:00.000000Z' } },
    ]);
  });

  it('knows no agent before registration, and registers once', () => {
    expect(() => when([], { type: 'SuspendAgent' })).toThrow(expect.objectContaining({ code: 'AGENTS.UNKNOWN' }));
    const { data } = registered as Extract<AgentEvent, { type: 'AgentRegistered' }>;
    expect(when([], { type: 'RegisterAgent', ...data })).toEqual([registered]);
    expect(() => when([registered], { type: 'RegisterAgent', ...data })).toThrow(expect.objectContaining({ code: 'AGENTS.EXISTS' }));
  });
});
