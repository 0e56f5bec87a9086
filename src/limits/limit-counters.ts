import { Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@warden/ledger';
import type { Projection } from '../ledger/projection';
import { ReadModelProjector } from '../ledger/read-model-projector';
import type { ToolCallCompletedData, ToolCallDecidedData, ToolCallFailedData } from '../gateway/tool-call/tool-call.events';
import { arrayAt, numberAt, recordAt, SnapshotShapeError, stringAt } from '../ledger/snapshot-shape';
import { capKeysOf, rateKeysOf, type CallFacts } from './call-keys';
import { CostLedger } from './cost-ledger';
import { WindowCounters } from './window-counters';
import type { LimitWindow } from './windows';

/** Amounts are kept in millionths, so sums of costs such as 0.1 stay exact. */
export const MICROS = 1_000_000;
export const toMicros = (amount: number) => Math.round(amount * MICROS);
const MAX_AWAITING = 100_000;

interface Awaiting {
  facts: CallFacts;
  atMs: number;
  estimateMicros: number;
}

/**
 * The counts behind the rate limits and spend caps, per organisation: a projection of the calls
 * streams (rebuilt from the ledger on restart, never reset), plus what this node's gates reserved
 * for calls whose decision is not yet in the log. Counted: calls decided allow or observe (they
 * reach the upstream); denied and step-up calls are not counted. Spend: the estimate from the
 * decision until the call completes, then its actual cost (a failed call costs nothing).
 * The projection is cheap: a decision touches 6 rate and 12 spend counters per window.
 */
@Injectable()
export class LimitCounters implements Projection {
  readonly name = 'limit-counters';
  readonly streamPrefixes = ['calls-'];
  private rates = new WindowCounters();
  private spend = new WindowCounters();
  /** callId → what the gate reserved (this node), until the decision is applied from the log or released. */
  private readonly reservedCalls = new Map<string, { keys: string[]; atMs: number }>();
  private readonly reservedSpend = new Map<string, Awaiting & { keys: string[] }>();
  /** Allowed calls whose outcome is not yet applied: their estimate counts until then. */
  private readonly awaiting = new Map<string, Awaiting>();

  constructor(
    projector: ReadModelProjector,
    readonly costs: CostLedger,
  ) {
    projector.register(this);
  }

  apply(envelope: EventEnvelope): void {
    switch (envelope.type) {
      case 'ToolCallDecided':
        return this.decided(envelope.org, envelope.data as unknown as ToolCallDecidedData, Date.parse(envelope.at));
      case 'ToolCallCompleted':
        return this.completed(envelope.data as unknown as ToolCallCompletedData, envelope.at);
      case 'ToolCallFailed':
        return this.finished((envelope.data as unknown as ToolCallFailedData).callId, 0);
      default:
        return;
    }
  }

  /**
   * The counts as the log made them: this node's reservations (calls whose decision is not yet
   * appended) are taken out, so that a restart, which replays the decisions after the snapshot,
   * counts each call once and a released reservation not at all.
   */
  snapshot(): unknown {
    const rates = WindowCounters.fromState(this.rates.state(), 'rates');
    for (const { keys, atMs } of this.reservedCalls.values()) this.count(rates, keys, ['rpm', 'rph', 'daily'], atMs, -1);
    const spend = WindowCounters.fromState(this.spend.state(), 'spend');
    for (const { keys, atMs, estimateMicros } of this.reservedSpend.values()) this.count(spend, keys, ['daily', 'monthly'], atMs, -estimateMicros);
    // Calls awaiting their outcome share a few facts (org, agent, server, tool): each is written once.
    const factIndex = new Map<string, number>();
    const facts: CallFacts[] = [];
    const awaiting = [...this.awaiting].map(([callId, call]) => {
      const key = JSON.stringify([call.facts.org, call.facts.agent, call.facts.server, call.facts.tool, call.facts.workflow ?? null]);
      let index = factIndex.get(key);
      if (index === undefined) factIndex.set(key, (index = facts.push(call.facts) - 1));
      return [callId, index, call.atMs, call.estimateMicros];
    });
    return { rates: rates.state(), spend: spend.state(), facts, awaiting, costs: this.costs.state() };
  }

  restore(state: unknown): void {
    const s = recordAt(state, 'limit-counters');
    const rates = WindowCounters.fromState(s.rates, 'limit-counters.rates');
    const spend = WindowCounters.fromState(s.spend, 'limit-counters.spend');
    const facts = arrayAt(s.facts, 'limit-counters.facts').map((f, i) => factsOf(f, `limit-counters.facts[${i}]`));
    const awaiting = arrayAt(s.awaiting, 'limit-counters.awaiting').map((row, i) => awaitingOf(row, facts, `limit-counters.awaiting[${i}]`));
    this.costs.restore(s.costs);
    this.rates = rates;
    this.spend = spend;
    this.awaiting.clear();
    for (const [callId, call] of awaiting) this.awaiting.set(callId, call);
  }

  rateCount(window: LimitWindow, key: string, nowMs: number): number {
    return this.rates.get(window, key, nowMs);
  }

  spentMicros(window: LimitWindow, key: string, nowMs: number): number {
    return this.spend.get(window, key, nowMs);
  }

  /** Counts the call now, before its decision is appended (synchronously, so concurrent calls see it). */
  reserveCall(callId: string, facts: CallFacts, nowMs: number): void {
    // The keys are kept with the reservation: a release reuses the same (already hashed) strings.
    const keys = rateKeysOf(facts);
    this.reservedCalls.set(callId, { keys, atMs: nowMs });
    this.count(this.rates, keys, ['rpm', 'rph', 'daily'], nowMs, 1);
    this.rates.sweep(nowMs);
  }

  releaseCall(callId: string): void {
    const reserved = this.reservedCalls.get(callId);
    if (!reserved) return; // already applied from the log: the decision is recorded, it counts
    this.reservedCalls.delete(callId);
    this.count(this.rates, reserved.keys, ['rpm', 'rph', 'daily'], reserved.atMs, -1);
  }

  reserveSpend(callId: string, facts: CallFacts, nowMs: number, estimateMicros: number): void {
    const keys = capKeysOf(facts);
    this.reservedSpend.set(callId, { facts, atMs: nowMs, estimateMicros, keys });
    this.count(this.spend, keys, ['daily', 'monthly'], nowMs, estimateMicros);
    this.spend.sweep(nowMs);
  }

  releaseSpend(callId: string): void {
    const reserved = this.reservedSpend.get(callId);
    if (!reserved) return;
    this.reservedSpend.delete(callId);
    this.count(this.spend, reserved.keys, ['daily', 'monthly'], reserved.atMs, -reserved.estimateMicros);
  }

  private decided(org: string, data: ToolCallDecidedData, atMs: number): void {
    if (data.decision !== 'allow' && data.decision !== 'observe') return;
    const facts: CallFacts = { org, agent: data.agentId, server: data.serverId ?? '', tool: data.tool, ...(data.workflow !== undefined ? { workflow: data.workflow } : {}) };
    if (this.reservedCalls.has(data.callId)) this.reservedCalls.delete(data.callId);
    else this.count(this.rates, rateKeysOf(facts), ['rpm', 'rph', 'daily'], atMs, 1);
    const reserved = this.reservedSpend.get(data.callId);
    if (reserved) {
      this.reservedSpend.delete(data.callId);
      // Awaiting outcomes may be many (up to MAX_AWAITING): they keep the facts, not the 12 keys.
      const { keys: _keys, ...awaiting } = reserved;
      this.await(data.callId, awaiting);
    } else {
      const estimateMicros = data.costEstimate ? toMicros(data.costEstimate.amount) : 0;
      this.count(this.spend, capKeysOf(facts), ['daily', 'monthly'], atMs, estimateMicros);
      this.await(data.callId, { facts, atMs, estimateMicros });
    }
  }

  private completed(data: ToolCallCompletedData, at: string): void {
    const call = this.awaiting.get(data.callId);
    this.finished(data.callId, data.cost ? toMicros(data.cost.amount) : 0);
    if (call && data.cost) this.costs.add(call.facts, data.cost, Date.parse(at));
  }

  /** The call's estimate gives way to its actual cost, in the window of its decision. */
  private finished(callId: string, actualMicros: number): void {
    const call = this.awaiting.get(callId);
    if (!call) return;
    this.awaiting.delete(callId);
    const delta = actualMicros - call.estimateMicros;
    if (delta !== 0) this.count(this.spend, capKeysOf(call.facts), ['daily', 'monthly'], call.atMs, delta);
  }

  private await(callId: string, call: Awaiting): void {
    this.awaiting.set(callId, call);
    // Outcomes that never come (a node killed mid-call) must not grow memory: the oldest give way.
    if (this.awaiting.size > MAX_AWAITING) this.awaiting.delete(this.awaiting.keys().next().value as string);
  }

  private count(counters: WindowCounters, keys: string[], windows: LimitWindow[], atMs: number, amount: number): void {
    for (const window of windows) for (const key of keys) counters.add(window, key, atMs, amount);
  }
}

function awaitingOf(value: unknown, facts: CallFacts[], where: string): [string, Awaiting] {
  const [callId, index, atMs, estimateMicros] = arrayAt(value, where);
  const shared = facts[numberAt(index, `${where}[1]`)];
  if (!shared) throw new SnapshotShapeError(`${where}[1]`, `an index into facts (0..${facts.length - 1})`);
  return [stringAt(callId, `${where}[0]`), { facts: shared, atMs: numberAt(atMs, `${where}[2]`), estimateMicros: numberAt(estimateMicros, `${where}[3]`) }];
}

function factsOf(value: unknown, where: string): CallFacts {
  const facts = recordAt(value, where);
  return {
    org: stringAt(facts.org, `${where}.org`),
    agent: stringAt(facts.agent, `${where}.agent`),
    server: stringAt(facts.server, `${where}.server`),
    tool: stringAt(facts.tool, `${where}.tool`),
    ...(facts.workflow !== undefined ? { workflow: stringAt(facts.workflow, `${where}.workflow`) } : {}),
  };
}
