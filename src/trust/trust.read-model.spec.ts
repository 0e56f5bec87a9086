import type { Actor, EventEnvelope } from '@warden/ledger';
import type { WardenConfig } from '../config/warden-config';
import type { Clock } from '../ledger/clock';
import type { ReadModelProjector } from '../ledger/read-model-projector';
import { TrustReadModel } from './trust.read-model';

const T0 = Date.parse('2026-11-01T10:00:00Z');
const event = (type: string, data: object, atMs = T0, actor: Actor = { kind: 'user', id: 'admin' }) =>
  ({ type, org: 'o1', at: new Date(atMs).toISOString(), actor, data }) as unknown as EventEnvelope;

describe('TrustReadModel', () => {
  let now = T0;
  let failure: object | undefined;
  const clock = { nowMs: () => now, nowIso: () => new Date(now).toISOString() } as Clock;
  const projector = { register: () => undefined, health: () => ({ position: 9, failure }) } as unknown as ReadModelProjector;
  const model = () => {
    const m = new TrustReadModel(projector, { approvals: { trustMaxAgeMs: 60_000 } } as WardenConfig, clock);
    m.apply(event('AgentRegistered', { agentId: 'a1' }));
    return m;
  };
  beforeEach(() => {
    now = T0;
    failure = undefined;
  });

  it('is unknown for an agent it never saw, or of another organisation', () => {
    const m = model();
    expect(m.readingOf('o1', 'a2')).toEqual({ state: 'unknown' });
    expect(m.readingOf('o2', 'a1')).toEqual({ state: 'unknown' });
  });

  it('counts denials and failures of the agent’s calls, and ignores denials for want of a score', () => {
    const m = model();
    const agent = { kind: 'agent' as const, id: 'a1' };
    m.apply(event('ToolCallDecided', { agentId: 'a1', callId: 'c1', decision: 'deny', reasons: [] }, T0, agent));
    m.apply(event('ToolCallDecided', { agentId: 'a1', callId: 'c2', decision: 'allow', reasons: [] }, T0, agent));
    m.apply(event('ToolCallFailed', { callId: 'c2' }, T0, agent));
    m.apply(event('ToolCallDecided', { agentId: 'a1', callId: 'c3', decision: 'deny', reasons: [{ gate: 'policy', code: 'POLICY.TRUST_STALE', decision: 'deny' }] }, T0, agent));
    expect(m.readingOf('o1', 'a1')).toMatchObject({ state: 'known', score: 44, inputs: { base: 50, calls: 2, denials: 1, failures: 1 } });
  });

  it('is stale past the age bound, and when the projector has stopped', () => {
    const m = model();
    now = T0 + 60_001;
    expect(m.readingOf('o1', 'a1')).toMatchObject({ state: 'stale', score: 50 });
    m.apply(event('AgentTrustAttested', { agentId: 'a1', score: 70, reason: 'ok' }, now));
    expect(m.readingOf('o1', 'a1')).toMatchObject({ state: 'known', score: 70 });
    failure = { projection: 'ledger-integrity', position: 9, message: 'bad' };
    expect(m.readingOf('o1', 'a1')).toMatchObject({ state: 'stale', why: expect.stringContaining('stopped') });
  });

  it('restores from its snapshot to the same readings, also past the window (the oldest calls dropped), and goes on alike', () => {
    const m = model();
    const agent = { kind: 'agent' as const, id: 'a1' };
    m.apply(event('AgentTrustAttested', { agentId: 'a1', score: 80, reason: 'vetted' }));
    for (let i = 0; i < 530; i++) m.apply(event('ToolCallDecided', { agentId: 'a1', callId: `c${i}`, decision: i % 7 === 0 ? 'deny' : 'allow', reasons: [] }, T0, agent));
    m.apply(event('ToolCallFailed', { callId: 'c529' }, T0, agent));
    const restored = new TrustReadModel(projector, { approvals: { trustMaxAgeMs: 60_000 } } as WardenConfig, clock);
    restored.restore(JSON.parse(JSON.stringify(m.snapshot())));
    expect(restored.readingOf('o1', 'a1')).toEqual(m.readingOf('o1', 'a1'));
    for (const target of [m, restored]) {
      target.apply(event('ToolCallFailed', { callId: 'c528' }, T0, agent));
      target.apply(event('ToolCallFailed', { callId: 'c100' }, T0, agent)); // out of the window: no effect
    }
    expect(restored.readingOf('o1', 'a1')).toEqual(m.readingOf('o1', 'a1'));
    expect(restored.snapshot()).toEqual(m.snapshot());
    expect(() => restored.restore({ agents: [['a1', { orgId: 'o1', base: 50, window: { marks: ['maybe'], index: [], denials: 0, failures: 0 }, updatedAtMs: T0 }]] })).toThrow(/ok, denied or failed/);
    expect(restored.readingOf('o1', 'a1')).toEqual(m.readingOf('o1', 'a1'));
  });
});
