import { Injectable } from '@nestjs/common';
import type { Actor, EventEnvelope } from '@warden/ledger';
import type { ToolCallDecidedData } from '../gateway/tool-call/tool-call.events';
import type { Projection } from '../ledger/projection';
import { ReadModelProjector } from '../ledger/read-model-projector';
import { arrayAt, pairsAt, recordAt, SnapshotShapeError, stringAt } from '../ledger/snapshot-shape';
import { REVIEW_STREAM_PREFIX, type CallReviewed } from './reviews.events';

export interface ReviewItem {
  callId: string;
  agentId: string;
  serverId: string | null;
  tool: string;
  rules: string[];
  decidedAt: string;
  state: 'open' | 'reviewed';
  review?: { reviewer: Actor; comment: string; at: string };
}

export interface ReviewFilter {
  agent?: string;
  server?: string;
  rule?: string;
  state?: 'open' | 'reviewed';
}

/**
 * The review feed: every call decided `observe` (from the calls streams: only ToolCallDecided
 * with that decision is kept, the rest is one comparison each, also during the replay at start),
 * and the reviewers' marks on them.
 */
@Injectable()
export class ReviewsReadModel implements Projection {
  readonly name = 'reviews';
  readonly streamPrefixes = ['calls-', REVIEW_STREAM_PREFIX];
  private readonly byOrg = new Map<string, Map<string, ReviewItem>>();

  constructor(projector: ReadModelProjector) {
    projector.register(this);
  }

  apply(envelope: EventEnvelope): void {
    if (envelope.type === 'ToolCallDecided') {
      const data = envelope.data as unknown as ToolCallDecidedData;
      if (data.decision !== 'observe') return;
      const items = this.itemsOf(envelope.org);
      if (items.has(data.callId)) return;
      items.set(data.callId, { callId: data.callId, agentId: data.agentId, serverId: data.serverId, tool: data.tool, rules: data.rules ?? [], decidedAt: envelope.at, state: 'open' });
      return;
    }
    if (envelope.type !== 'CallReviewed') return;
    const { callId, comment } = envelope.data as CallReviewed['data'];
    const item = this.byOrg.get(envelope.org)?.get(callId);
    if (!item || item.review) return;
    item.state = 'reviewed';
    item.review = { reviewer: envelope.actor, comment, at: envelope.at };
  }

  snapshot(): unknown {
    return { byOrg: [...this.byOrg].map(([org, items]) => [org, [...items.values()]]) };
  }

  restore(state: unknown): void {
    const byOrg = pairsAt(recordAt(state, 'reviews').byOrg, 'reviews.byOrg').map(
      ([org, items]) => [org, new Map(arrayAt(items, `reviews.byOrg.${org}`).map((item) => reviewItemOf(item)).map((i) => [i.callId, i] as const))] as const,
    );
    this.byOrg.clear();
    for (const [org, items] of byOrg) this.byOrg.set(org, items);
  }

  get(orgId: string, callId: string): ReviewItem | undefined {
    return this.byOrg.get(orgId)?.get(callId);
  }

  list(orgId: string, filter: ReviewFilter): ReviewItem[] {
    return [...(this.byOrg.get(orgId)?.values() ?? [])].filter(
      (i) =>
        (filter.agent === undefined || i.agentId === filter.agent) &&
        (filter.server === undefined || i.serverId === filter.server) &&
        (filter.rule === undefined || i.rules.includes(filter.rule)) &&
        (filter.state === undefined || i.state === filter.state),
    );
  }

  private itemsOf(orgId: string): Map<string, ReviewItem> {
    let items = this.byOrg.get(orgId);
    if (!items) this.byOrg.set(orgId, (items = new Map()));
    return items;
  }
}

function reviewItemOf(value: unknown): ReviewItem {
  const i = recordAt(value, 'reviews item');
  const review = i.review === undefined ? undefined : recordAt(i.review, 'reviews item.review');
  const state = stringAt(i.state, 'reviews item.state');
  if (state !== 'open' && state !== 'reviewed') throw new SnapshotShapeError('reviews item.state', 'open or reviewed');
  return {
    callId: stringAt(i.callId, 'reviews item.callId'),
    agentId: stringAt(i.agentId, 'reviews item.agentId'),
    serverId: i.serverId === null ? null : stringAt(i.serverId, 'reviews item.serverId'),
    tool: stringAt(i.tool, 'reviews item.tool'),
    rules: arrayAt(i.rules, 'reviews item.rules').map((r) => stringAt(r, 'reviews item.rules[]')),
    decidedAt: stringAt(i.decidedAt, 'reviews item.decidedAt'),
    state,
    ...(review
      ? { review: { reviewer: recordAt(review.reviewer, 'reviews item.review.reviewer') as unknown as Actor, comment: stringAt(review.comment, 'reviews item.review.comment'), at: stringAt(review.at, 'reviews item.review.at') } }
      : {}),
  };
}
