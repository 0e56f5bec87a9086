import type { EventEnvelope } from '@warden/ledger';
import type { ReadModelProjector } from '../ledger/read-model-projector';
import { SnapshotShapeError } from '../ledger/snapshot-shape';
import { rateKeysOf, type CallFacts } from './call-keys';
import { CostLedger } from './cost-ledger';
import { LimitCounters } from './limit-counters';

const registering = { register: () => undefined } as unknown as ReadModelProjector;
const facts: CallFacts = { org: 'org-1', agent: 'agent-1', server: 'server-1', tool: 'echo' };
const AT = Date.parse('2026-12-01T10:00:30Z');
const decided = (callId: string, cost?: number) =>
  ({
    type: 'ToolCallDecided',
    org: facts.org,
    at: new Date(AT).toISOString(),
    data: { callId, agentId: facts.agent, serverId: facts.server, tool: facts.tool, decision: 'allow', reasons: [], ...(cost ? { costEstimate: { amount: cost, currency: 'USD' } } : {}) },
  }) as unknown as EventEnvelope;
const completed = (callId: string, cost: number) =>
  ({ type: 'ToolCallCompleted', org: facts.org, at: new Date(AT + 1).toISOString(), data: { callId, cost: { amount: cost, currency: 'USD', source: 'reported' } } }) as unknown as EventEnvelope;

describe('LimitCounters snapshots', () => {
  const key = rateKeysOf(facts)[0];

  it('restores exactly what the log gave it, with the awaiting calls and the costs', () => {
    const source = new LimitCounters(registering, new CostLedger());
    source.apply(decided('c1', 0.5));
    source.apply(decided('c2', 0.25));
    source.apply(completed('c1', 0.1));
    const restored = new LimitCounters(registering, new CostLedger());
    restored.restore(JSON.parse(JSON.stringify(source.snapshot())));
    expect(restored.snapshot()).toEqual(source.snapshot());
    expect(restored.rateCount('rpm', key, AT)).toBe(2);
    // The outcome of the call still awaiting it is applied after the restore as it would have been.
    restored.apply(completed('c2', 0));
    source.apply(completed('c2', 0));
    expect(restored.snapshot()).toEqual(source.snapshot());
    expect(restored.costs.recentAverage(facts.org, facts.server, facts.tool, 'USD')).toBe(0.05);
  });

  it('leaves this node’s reservations out: a decision replayed after the snapshot counts once, a released one not at all', () => {
    const source = new LimitCounters(registering, new CostLedger());
    source.apply(decided('c1'));
    source.reserveCall('c2', facts, AT); // decided later, after the snapshot's position
    source.reserveCall('c3', facts, AT); // released: never recorded
    expect(source.rateCount('rpm', key, AT)).toBe(3);
    const restored = new LimitCounters(registering, new CostLedger());
    restored.restore(source.snapshot());
    expect(restored.rateCount('rpm', key, AT)).toBe(1);
    restored.apply(decided('c2'));
    expect(restored.rateCount('rpm', key, AT)).toBe(2);
  });

  it('refuses a state of another shape and keeps its own', () => {
    const counters = new LimitCounters(registering, new CostLedger());
    counters.apply(decided('c1'));
    const before = counters.snapshot();
    expect(() => counters.restore({ rates: [['x', 'not a number', 1]], spend: [], awaiting: [], costs: { buckets: [], recent: [] } })).toThrow(SnapshotShapeError);
    expect(() => counters.restore({ ...(before as object), costs: { buckets: 'no', recent: [] } })).toThrow(SnapshotShapeError);
    expect(counters.snapshot()).toEqual(before);
  });
});
