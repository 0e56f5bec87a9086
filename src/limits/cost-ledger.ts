import { Inject, Injectable, Optional } from '@nestjs/common';
import { BoundedMap } from '../common/bounded-map';
import { WARDEN_CONFIG, type WardenConfig } from '../config/warden-config';
import type { RecordedCost } from '../gateway/tool-call/gate';
import { arrayAt, numberAt, pairsAt, recordAt, stringAt } from '../ledger/snapshot-shape';
import type { CallFacts } from './call-keys';

const RECENT = 20;
const DEFAULT_MAX_BUCKETS = 100_000;
const HOUR_MS = 3_600_000;
export const COST_GROUPINGS = ['tool', 'agent', 'workflow', 'org', 'day'] as const;
export type CostGrouping = (typeof COST_GROUPINGS)[number];

interface Bucket {
  hourMs: number;
  agent: string;
  server: string;
  tool: string;
  workflow: string | null;
  currency: string;
  micros: number;
  calls: number;
}

/** One organisation's buckets, and how many older ones were let go (the bound). */
interface OrgCosts {
  buckets: BoundedMap<string, Bucket>;
  evicted: number;
  /** The latest hour of a bucket let go: sums up to it may miss some. */
  evictedThroughHourMs: number | null;
}

export interface CostRow {
  key: Record<string, string | null>;
  currency: string;
  amount: number;
  calls: number;
}

/**
 * Actual costs of completed calls, attributed: per hour, agent, tool and (client-asserted)
 * workflow, so GET /v1/costs sums any grouping over any range of whole hours. Also the recent
 * reported costs of each tool, whose average is the estimate for a tool without a fixed cost.
 * At most WARDEN_COST_BUCKETS_MAX buckets per organisation: past that, the oldest buckets go first
 * (by creation, so oldest hours first; an agent that names a new workflow on every call cannot
 * grow memory without end), and the ledger counts them, with the latest hour they covered.
 */
@Injectable()
export class CostLedger {
  private readonly byOrg = new Map<string, OrgCosts>();
  private readonly recent = new Map<string, number[]>();
  private readonly maxBuckets: number;

  constructor(@Optional() @Inject(WARDEN_CONFIG) config?: Pick<WardenConfig, 'costBucketsMax'>) {
    this.maxBuckets = config?.costBucketsMax ?? DEFAULT_MAX_BUCKETS;
  }

  add(facts: CallFacts, cost: RecordedCost, atMs: number): void {
    const hourMs = Math.floor(atMs / HOUR_MS) * HOUR_MS;
    const workflow = facts.workflow ?? null;
    const key = [hourMs, facts.agent, facts.server, facts.tool, workflow ?? '', cost.currency].join('\u0001');
    const org = this.costsOf(facts.org);
    const bucket = org.buckets.get(key) ?? { hourMs, agent: facts.agent, server: facts.server, tool: facts.tool, workflow, currency: cost.currency, micros: 0, calls: 0 };
    bucket.micros += Math.round(cost.amount * 1_000_000);
    bucket.calls += 1;
    org.buckets.set(key, bucket);
    if (cost.source === 'reported') {
      const toolKey = `${facts.org}\u0001${facts.server}\u0001${facts.tool}\u0001${cost.currency}`;
      const amounts = this.recent.get(toolKey) ?? [];
      amounts.push(cost.amount);
      if (amounts.length > RECENT) amounts.shift();
      this.recent.set(toolKey, amounts);
    }
  }

  /** Its state for a read-model snapshot (maps as [key, value] pairs, in insertion order). */
  state(): { buckets: Array<[string, Array<[string, Bucket]>]>; recent: Array<[string, number[]]>; evicted: Array<[string, { buckets: number; throughHourMs: number | null }]> } {
    return {
      buckets: [...this.byOrg].map(([org, costs]) => [org, [...costs.buckets].map(([key, b]) => [key, { ...b }] as [string, Bucket])]),
      recent: [...this.recent].map(([key, amounts]) => [key, [...amounts]]),
      evicted: [...this.byOrg].map(([org, costs]) => [org, { buckets: costs.evicted, throughHourMs: costs.evictedThroughHourMs }]),
    };
  }

  /** Replaces its state with a snapshot's (checked first: a malformed one changes nothing). */
  restore(state: unknown): void {
    const s = recordAt(state, 'costs');
    const buckets = pairsAt(s.buckets, 'costs.buckets').map(([org, rows]) => [org, pairsAt(rows, `costs.buckets.${org}`).map(([key, b]) => [key, bucketOf(b)] as const)] as const);
    const recent = new Map(pairsAt(s.recent, 'costs.recent').map(([key, amounts]) => [key, arrayAt(amounts, 'costs.recent[]').map((a) => numberAt(a, 'costs.recent[][]'))] as const));
    // `evicted` is absent from snapshots taken before the ledger was bounded: nothing was let go then.
    const evicted = new Map(s.evicted === undefined ? [] : pairsAt(s.evicted, 'costs.evicted').map(([org, e]) => [org, evictedOf(e, org)] as const));
    this.byOrg.clear();
    for (const [org, rows] of buckets) {
      const costs = this.newCosts(evicted.get(org));
      for (const [key, bucket] of rows) costs.buckets.set(key, bucket); // in order: a smaller bound lets the oldest go
      this.byOrg.set(org, costs);
    }
    this.recent.clear();
    for (const [key, amounts] of recent) this.recent.set(key, amounts);
  }

  /** Buckets of the organisation let go because it had too many, and the latest hour they covered (sums up to it may be short). */
  evicted(org: string): { buckets: number; throughHourMs: number | null } {
    const costs = this.byOrg.get(org);
    return { buckets: costs?.evicted ?? 0, throughHourMs: costs?.evictedThroughHourMs ?? null };
  }

  /** The average of the tool's last reported costs in this currency, if it has any. */
  recentAverage(org: string, server: string, tool: string, currency: string): number | undefined {
    const amounts = this.recent.get(`${org}\u0001${server}\u0001${tool}\u0001${currency}`);
    if (!amounts || amounts.length === 0) return undefined;
    return amounts.reduce((a, b) => a + b, 0) / amounts.length;
  }

  /** Sums of the organisation's costs in [sinceMs, untilMs), grouped; an hour counts if it starts in the range. */
  summarise(org: string, by: CostGrouping, sinceMs: number, untilMs: number): CostRow[] {
    const rows = new Map<string, CostRow & { micros: number }>();
    for (const b of this.byOrg.get(org)?.buckets.values() ?? []) {
      if (b.hourMs < sinceMs || b.hourMs >= untilMs) continue;
      const key = groupKey(by, org, b);
      const id = `${JSON.stringify(key)}\u0001${b.currency}`;
      const row = rows.get(id) ?? { key, currency: b.currency, amount: 0, micros: 0, calls: 0 };
      row.micros += b.micros;
      row.calls += b.calls;
      rows.set(id, row);
    }
    return [...rows.values()]
      .map(({ micros, ...row }) => ({ ...row, amount: micros / 1_000_000 }))
      .sort((a, b) => b.amount - a.amount || JSON.stringify(a.key).localeCompare(JSON.stringify(b.key)));
  }

  private costsOf(org: string): OrgCosts {
    let costs = this.byOrg.get(org);
    if (!costs) this.byOrg.set(org, (costs = this.newCosts(undefined)));
    return costs;
  }

  private newCosts(evicted: { buckets: number; throughHourMs: number | null } | undefined): OrgCosts {
    const costs: OrgCosts = {
      buckets: new BoundedMap(this.maxBuckets, (_key, bucket) => {
        costs.evicted += 1;
        costs.evictedThroughHourMs = Math.max(costs.evictedThroughHourMs ?? bucket.hourMs, bucket.hourMs);
      }),
      evicted: evicted?.buckets ?? 0,
      evictedThroughHourMs: evicted?.throughHourMs ?? null,
    };
    return costs;
  }
}

function evictedOf(value: unknown, org: string): { buckets: number; throughHourMs: number | null } {
  const e = recordAt(value, `costs.evicted.${org}`);
  return { buckets: numberAt(e.buckets, `costs.evicted.${org}.buckets`), throughHourMs: e.throughHourMs === null ? null : numberAt(e.throughHourMs, `costs.evicted.${org}.throughHourMs`) };
}

function bucketOf(value: unknown): Bucket {
  const b = recordAt(value, 'costs bucket');
  const where = (field: string) => `costs bucket.${field}`;
  return {
    hourMs: numberAt(b.hourMs, where('hourMs')),
    agent: stringAt(b.agent, where('agent')),
    server: stringAt(b.server, where('server')),
    tool: stringAt(b.tool, where('tool')),
    workflow: b.workflow === null ? null : stringAt(b.workflow, where('workflow')),
    currency: stringAt(b.currency, where('currency')),
    micros: numberAt(b.micros, where('micros')),
    calls: numberAt(b.calls, where('calls')),
  };
}

function groupKey(by: CostGrouping, org: string, b: Bucket): Record<string, string | null> {
  switch (by) {
    case 'tool':
      return { serverId: b.server, tool: b.tool };
    case 'agent':
      return { agentId: b.agent };
    case 'workflow':
      return { workflow: b.workflow };
    case 'org':
      return { orgId: org };
    case 'day':
      return { day: new Date(b.hourMs).toISOString().slice(0, 10) };
  }
}
