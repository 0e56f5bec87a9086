import { Injectable } from '@nestjs/common';
import type { RecordedCost } from '../gateway/tool-call/gate';
import { arrayAt, numberAt, pairsAt, recordAt, stringAt } from '../ledger/snapshot-shape';
import type { CallFacts } from './call-keys';

const RECENT = 20;
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
 */
@Injectable()
export class CostLedger {
  private readonly buckets = new Map<string, Map<string, Bucket>>();
  private readonly recent = new Map<string, number[]>();

  add(facts: CallFacts, cost: RecordedCost, atMs: number): void {
    const hourMs = Math.floor(atMs / HOUR_MS) * HOUR_MS;
    const workflow = facts.workflow ?? null;
    const key = [hourMs, facts.agent, facts.server, facts.tool, workflow ?? '', cost.currency].join('\u0001');
    let org = this.buckets.get(facts.org);
    if (!org) this.buckets.set(facts.org, (org = new Map()));
    const bucket = org.get(key) ?? { hourMs, agent: facts.agent, server: facts.server, tool: facts.tool, workflow, currency: cost.currency, micros: 0, calls: 0 };
    bucket.micros += Math.round(cost.amount * 1_000_000);
    bucket.calls += 1;
    org.set(key, bucket);
    if (cost.source === 'reported') {
      const toolKey = `${facts.org}\u0001${facts.server}\u0001${facts.tool}\u0001${cost.currency}`;
      const amounts = this.recent.get(toolKey) ?? [];
      amounts.push(cost.amount);
      if (amounts.length > RECENT) amounts.shift();
      this.recent.set(toolKey, amounts);
    }
  }

  /** Its state for a read-model snapshot (maps as [key, value] pairs, in insertion order). */
  state(): { buckets: Array<[string, Array<[string, Bucket]>]>; recent: Array<[string, number[]]> } {
    return {
      buckets: [...this.buckets].map(([org, buckets]) => [org, [...buckets].map(([key, b]) => [key, { ...b }] as [string, Bucket])]),
      recent: [...this.recent].map(([key, amounts]) => [key, [...amounts]]),
    };
  }

  /** Replaces its state with a snapshot's (checked first: a malformed one changes nothing). */
  restore(state: unknown): void {
    const s = recordAt(state, 'costs');
    const buckets = new Map(
      pairsAt(s.buckets, 'costs.buckets').map(([org, rows]) => [org, new Map(pairsAt(rows, `costs.buckets.${org}`).map(([key, b]) => [key, bucketOf(b)]))] as const),
    );
    const recent = new Map(pairsAt(s.recent, 'costs.recent').map(([key, amounts]) => [key, arrayAt(amounts, 'costs.recent[]').map((a) => numberAt(a, 'costs.recent[][]'))] as const));
    this.buckets.clear();
    for (const [org, rows] of buckets) this.buckets.set(org, rows);
    this.recent.clear();
    for (const [key, amounts] of recent) this.recent.set(key, amounts);
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
    for (const b of this.buckets.get(org)?.values() ?? []) {
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
