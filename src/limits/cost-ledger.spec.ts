import type { CallFacts } from './call-keys';
import { CostLedger } from './cost-ledger';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-12-01T00:00:00Z');
const facts = (workflow: string): CallFacts => ({ org: 'org-1', agent: 'agent-1', server: 'server-1', tool: 'priced', workflow });
const usd = (amount: number) => ({ amount, currency: 'USD', source: 'fixed' as const });

describe('CostLedger bounds', () => {
  it('keeps at most WARDEN_COST_BUCKETS_MAX buckets per organisation, the oldest going first, and says how many went and up to which hour', () => {
    const ledger = new CostLedger({ costBucketsMax: 3 });
    ledger.add(facts('w1'), usd(1), T0);
    ledger.add(facts('w2'), usd(2), T0 + HOUR);
    ledger.add(facts('w3'), usd(3), T0 + 2 * HOUR);
    ledger.add(facts('w1'), usd(4), T0 + 10); // an existing bucket: no new one
    expect(ledger.evicted('org-1')).toEqual({ buckets: 0, throughHourMs: null });
    ledger.add(facts('w4'), usd(5), T0 + 3 * HOUR);
    ledger.add(facts('w5'), usd(6), T0 + 3 * HOUR);
    expect(ledger.evicted('org-1')).toEqual({ buckets: 2, throughHourMs: T0 + HOUR });
    expect(ledger.summarise('org-1', 'workflow', T0, T0 + 4 * HOUR).map((r) => [r.key.workflow, r.amount])).toEqual([
      ['w5', 6],
      ['w4', 5],
      ['w3', 3],
    ]);
    expect(ledger.evicted('org-2')).toEqual({ buckets: 0, throughHourMs: null });
  });

  it('an agent naming a new workflow on every call cannot grow it without end', () => {
    const ledger = new CostLedger({ costBucketsMax: 1_000 });
    for (let i = 0; i < 20_000; i++) ledger.add(facts(`wf-${i}`), usd(0.01), T0 + i);
    const state = ledger.state();
    expect(state.buckets[0][1]).toHaveLength(1_000);
    expect(ledger.evicted('org-1').buckets).toBe(19_000);
  });

  it('restores its bound and counts from a snapshot, and a snapshot from before the bound', () => {
    const source = new CostLedger({ costBucketsMax: 2 });
    for (const [w, h] of [['a', 0], ['b', 1], ['c', 2]] as const) source.add(facts(w), usd(1), T0 + h * HOUR);
    const state = JSON.parse(JSON.stringify(source.state())) as unknown;
    const restored = new CostLedger({ costBucketsMax: 2 });
    restored.restore(state);
    expect(restored.state()).toEqual(source.state());
    const smaller = new CostLedger({ costBucketsMax: 1 });
    smaller.restore(state);
    expect(smaller.evicted('org-1')).toEqual({ buckets: 2, throughHourMs: T0 + HOUR });

    const old = { buckets: (state as { buckets: unknown }).buckets, recent: [] };
    const fromOld = new CostLedger({ costBucketsMax: 10 });
    fromOld.restore(old);
    expect(fromOld.evicted('org-1')).toEqual({ buckets: 0, throughHourMs: null });
    expect(fromOld.summarise('org-1', 'org', T0, T0 + 3 * HOUR)[0]).toMatchObject({ amount: 2, calls: 2 });
  });
});
