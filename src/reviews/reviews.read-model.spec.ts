import type { EventEnvelope } from '@warden/ledger';
import type { ReadModelProjector } from '../ledger/read-model-projector';
import { ReviewsReadModel } from './reviews.read-model';

const registering = { register: () => undefined } as unknown as ReadModelProjector;
const feed = (max: number) => new ReviewsReadModel(registering, { reviewFeedMax: max });

const decided = (callId: string, decision = 'observe', org = 'org-1') =>
  ({
    type: 'ToolCallDecided',
    org,
    at: '2026-12-01T10:00:00.000000Z',
    actor: { kind: 'agent', id: 'agent-1' },
    data: { callId, agentId: 'agent-1', serverId: 'server-1', tool: 'echo', decision, rules: ['watch'] },
  }) as unknown as EventEnvelope;
const reviewed = (callId: string, org = 'org-1') =>
  ({ type: 'CallReviewed', org, at: '2026-12-01T10:05:00.000000Z', actor: { kind: 'user', id: 'u-1' }, data: { callId, comment: 'fine' } }) as unknown as EventEnvelope;

const ids = (model: ReviewsReadModel, org = 'org-1') => model.list(org, {}).map((i) => i.callId);

describe('the review feed', () => {
  it('keeps observed calls only, and a reviewer mark once', () => {
    const model = feed(10);
    for (const event of [decided('a'), decided('b', 'allow'), decided('c'), reviewed('a'), reviewed('b')]) model.apply(event);
    expect(ids(model)).toEqual(['a', 'c']);
    expect(model.get('org-1', 'a')).toMatchObject({ state: 'reviewed', review: { comment: 'fine' } });
    expect(model.list('org-1', { state: 'open' }).map((i) => i.callId)).toEqual(['c']);
  });

  it('holds at most WARDEN_REVIEW_FEED_MAX items per organisation: the oldest go first, reviewed or not, and are counted', () => {
    const model = feed(3);
    model.apply(decided('a'));
    model.apply(reviewed('a'));
    for (const id of ['b', 'c', 'd', 'e']) model.apply(decided(id));
    model.apply(decided('x', 'observe', 'org-2'));
    expect(ids(model)).toEqual(['c', 'd', 'e']);
    expect(model.evicted('org-1')).toBe(2);
    expect(model.get('org-1', 'a')).toBeUndefined(); // reviewing it now is REVIEW.UNKNOWN
    expect(ids(model, 'org-2')).toEqual(['x']); // each organisation has its own feed
    expect(model.evicted('org-2')).toBe(0);
  });

  it('stays bounded over many more calls than it holds (the queue of ids is compacted, not grown)', () => {
    const model = feed(100);
    for (let i = 0; i < 20_000; i++) model.apply(decided(`call-${i}`));
    expect(ids(model)).toHaveLength(100);
    expect(ids(model)[0]).toBe('call-19900');
    expect(model.evicted('org-1')).toBe(19_900);
    const queue = (model as unknown as { byOrg: Map<string, { items: { order: string[] } }> }).byOrg.get('org-1')!.items.order;
    expect(queue.length).toBeLessThan(2_100);
  });

  it('restores what it snapshotted, goes on evicting in the same order, and trims a snapshot taken with a larger bound', () => {
    const source = feed(3);
    for (const id of ['a', 'b', 'c', 'd']) source.apply(decided(id));
    source.apply(reviewed('c'));
    const state = JSON.parse(JSON.stringify(source.snapshot())) as unknown;

    const restored = feed(3);
    restored.restore(state);
    expect(restored.list('org-1', {})).toEqual(source.list('org-1', {}));
    expect(restored.evicted('org-1')).toBe(1);
    restored.apply(decided('e'));
    source.apply(decided('e'));
    expect(ids(restored)).toEqual(ids(source));
    expect(ids(restored)).toEqual(['c', 'd', 'e']);

    const smaller = feed(2);
    smaller.restore(state);
    expect(ids(smaller)).toEqual(['c', 'd']);
    expect(smaller.evicted('org-1')).toBe(2);
  });

  it('restores a snapshot from before the feed was bounded (no eviction counts in it)', () => {
    const model = feed(10);
    model.restore({ byOrg: [['org-1', [{ callId: 'a', agentId: 'agent-1', serverId: null, tool: 'echo', rules: [], decidedAt: '2026-12-01T10:00:00.000000Z', state: 'open' }]]] });
    expect(ids(model)).toEqual(['a']);
    expect(model.evicted('org-1')).toBe(0);
  });

  it('pages oldest first with a boundary that holds while the feed moves: filters apply, the last page says no more', () => {
    const model = feed(100);
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) model.apply(decided(id));
    for (const id of ['b', 'e']) model.apply(reviewed(id));
    const first = model.page('org-1', { state: 'open' }, { after: 0, limit: 2 });
    expect(first.items.map((i) => i.callId)).toEqual(['a', 'c']);
    expect(first.next).toBe(3); // d, the next open item (ordinal 3)
    model.apply(decided('h')); // the feed grows between pages
    const second = model.page('org-1', { state: 'open' }, { after: first.next!, limit: 2 });
    expect(second.items.map((i) => i.callId)).toEqual(['d', 'f']);
    const last = model.page('org-1', { state: 'open' }, { after: second.next!, limit: 2 });
    expect(last).toEqual({ items: [expect.objectContaining({ callId: 'g' }), expect.objectContaining({ callId: 'h' })], next: null });
    expect(model.page('org-1', { state: 'reviewed' }, { after: 0, limit: 5 })).toEqual({ items: [expect.objectContaining({ callId: 'b' }), expect.objectContaining({ callId: 'e' })], next: null });
    expect(model.page('org-2', {}, { after: 0, limit: 5 })).toEqual({ items: [], next: null });
  });

  it('starts a page whose boundary was evicted meanwhile at the oldest item still held, and never repeats an item', () => {
    const model = feed(3);
    for (const id of ['a', 'b', 'c']) model.apply(decided(id));
    const first = model.page('org-1', {}, { after: 0, limit: 1 });
    expect(first).toEqual({ items: [expect.objectContaining({ callId: 'a' })], next: 1 });
    for (const id of ['d', 'e']) model.apply(decided(id)); // a, b leave the feed
    const second = model.page('org-1', {}, { after: first.next!, limit: 2 });
    expect(second.items.map((i) => i.callId)).toEqual(['c', 'd']);
    expect(second.next).toBe(4);
    expect(model.page('org-1', {}, { after: second.next!, limit: 2 })).toEqual({ items: [expect.objectContaining({ callId: 'e' })], next: null });
  });
});
