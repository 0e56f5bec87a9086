import { Inject, Injectable } from '@nestjs/common';
import type { Actor, EventEnvelope } from '@warden/ledger';
import { BoundedMap } from '../common/bounded-map';
import { WARDEN_CONFIG, type WardenConfig } from '../config/warden-config';
import type { ToolCallDecidedData } from '../gateway/tool-call/tool-call.events';
import type { Projection } from '../ledger/projection';
import { ReadModelProjector } from '../ledger/read-model-projector';
import { arrayAt, numberAt, pairsAt, recordAt, SnapshotShapeError, stringAt } from '../ledger/snapshot-shape';
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

/** One organisation's feed: its items in the order they were decided, and how many older ones were let go. */
interface OrgFeed {
  items: BoundedMap<string, ReviewItem>;
  /** Items let go because the feed was full (the oldest first), since the ledger began. */
  evicted: number;
}

/**
 * The review feed: the observed calls (from the calls streams: only ToolCallDecided with decision
 * `observe` is kept, the rest is one comparison each, also during the replay at start), and the
 * reviewers' marks on them. It keeps at most WARDEN_REVIEW_FEED_MAX items per organisation: past
 * that, the oldest item goes (reviewed or not; the ledger and the forensic index keep every call),
 * and the feed counts how many went. Which ones go depends only on the order of the events, so a
 * replay rebuilds the same feed.
 */
@Injectable()
export class ReviewsReadModel implements Projection {
  readonly name = 'reviews';
  readonly streamPrefixes = ['calls-', REVIEW_STREAM_PREFIX];
  private readonly byOrg = new Map<string, OrgFeed>();
  private readonly maxItems: number;

  constructor(projector: ReadModelProjector, @Inject(WARDEN_CONFIG) config: Pick<WardenConfig, 'reviewFeedMax'>) {
    this.maxItems = config.reviewFeedMax;
    projector.register(this);
  }

  apply(envelope: EventEnvelope): void {
    if (envelope.type === 'ToolCallDecided') {
      const data = envelope.data as unknown as ToolCallDecidedData;
      if (data.decision !== 'observe') return;
      const feed = this.feedOf(envelope.org);
      if (feed.items.has(data.callId)) return;
      feed.items.set(data.callId, { callId: data.callId, agentId: data.agentId, serverId: data.serverId, tool: data.tool, rules: data.rules ?? [], decidedAt: envelope.at, state: 'open' });
      return;
    }
    if (envelope.type !== 'CallReviewed') return;
    const { callId, comment } = envelope.data as CallReviewed['data'];
    const item = this.byOrg.get(envelope.org)?.items.get(callId);
    if (!item || item.review) return;
    item.state = 'reviewed';
    item.review = { reviewer: envelope.actor, comment, at: envelope.at };
  }

  snapshot(): unknown {
    return { byOrg: [...this.byOrg].map(([org, feed]) => [org, [...feed.items.values()]]), evicted: [...this.byOrg].map(([org, feed]) => [org, feed.evicted]) };
  }

  restore(state: unknown): void {
    const s = recordAt(state, 'reviews');
    // `evicted` is absent from snapshots taken before the feed was bounded: nothing was let go then.
    const evicted = new Map(s.evicted === undefined ? [] : pairsAt(s.evicted, 'reviews.evicted').map(([org, n]) => [org, numberAt(n, `reviews.evicted.${org}`)] as const));
    const byOrg = pairsAt(s.byOrg, 'reviews.byOrg').map(([org, items]) => [org, arrayAt(items, `reviews.byOrg.${org}`).map((item) => reviewItemOf(item))] as const);
    this.byOrg.clear();
    for (const [org, items] of byOrg) {
      // Set in their order: a smaller WARDEN_REVIEW_FEED_MAX than the snapshot's node had lets the oldest go.
      const feed = this.newFeed(evicted.get(org) ?? 0);
      for (const item of items) feed.items.set(item.callId, item);
      this.byOrg.set(org, feed);
    }
  }

  get(orgId: string, callId: string): ReviewItem | undefined {
    return this.byOrg.get(orgId)?.items.get(callId);
  }

  list(orgId: string, filter: ReviewFilter): ReviewItem[] {
    return this.page(orgId, filter, { after: 0, limit: Number.POSITIVE_INFINITY }).items;
  }

  /**
   * Up to `limit` matching items, oldest first, from the item at ordinal `after` on (the ordinal
   * of an item counts every observed call of the organisation's feed before it, evicted ones too:
   * it never changes, so a page boundary holds while the feed moves). `next`: the ordinal the
   * next page starts from, or null when no matching item is left. A boundary whose items have
   * been evicted since starts at the oldest item still held.
   */
  page(orgId: string, filter: ReviewFilter, { after, limit }: { after: number; limit: number }): { items: ReviewItem[]; next: number | null } {
    const feed = this.byOrg.get(orgId);
    if (!feed) return { items: [], next: null };
    const items: ReviewItem[] = [];
    let ordinal = feed.evicted;
    for (const item of feed.items.values()) {
      if (ordinal >= after && matches(item, filter)) {
        if (items.length === limit) return { items, next: ordinal };
        items.push(item);
      }
      ordinal += 1;
    }
    return { items, next: null };
  }

  /** Items of the organisation's feed let go because it was full (the oldest first). */
  evicted(orgId: string): number {
    return this.byOrg.get(orgId)?.evicted ?? 0;
  }

  private feedOf(orgId: string): OrgFeed {
    let feed = this.byOrg.get(orgId);
    if (!feed) this.byOrg.set(orgId, (feed = this.newFeed(0)));
    return feed;
  }

  private newFeed(evicted: number): OrgFeed {
    const feed: OrgFeed = { items: new BoundedMap(this.maxItems, () => (feed.evicted += 1)), evicted };
    return feed;
  }
}

function matches(item: ReviewItem, filter: ReviewFilter): boolean {
  return (
    (filter.agent === undefined || item.agentId === filter.agent) &&
    (filter.server === undefined || item.serverId === filter.server) &&
    (filter.rule === undefined || item.rules.includes(filter.rule)) &&
    (filter.state === undefined || item.state === filter.state)
  );
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
