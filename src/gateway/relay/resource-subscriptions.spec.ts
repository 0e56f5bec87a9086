import { MAX_SUBSCRIPTIONS_PER_SESSION, ResourceSubscriptions } from './resource-subscriptions';

describe('ResourceSubscriptions', () => {
  it('asks the upstream session once per URI and lets it go when the last session leaves', () => {
    const subs = new ResourceSubscriptions();
    expect(subs.subscribe('s1', 'srv', '', 'notes://a')).toBe(true);
    expect(subs.subscribe('s2', 'srv', '', 'notes://a')).toBe(false);
    // Another upstream session (an agent's own) is asked for itself.
    expect(subs.subscribe('s3', 'srv', 'agent-1', 'notes://a')).toBe(true);
    expect(subs.unsubscribe('s1', 'srv', '', 'notes://a')).toBe(false);
    expect(subs.unsubscribe('s2', 'srv', '', 'notes://a')).toBe(true);
    // Unsubscribing what a session never held tells the upstream nothing.
    expect(subs.unsubscribe('s2', 'srv', '', 'notes://a')).toBe(false);
  });

  it('knows which sessions hold which URI of which server', () => {
    const subs = new ResourceSubscriptions();
    subs.subscribe('s1', 'srv', '', 'notes://a');
    expect(subs.isSubscribed('s1', 'srv', 'notes://a')).toBe(true);
    expect(subs.isSubscribed('s1', 'other', 'notes://a')).toBe(false);
    expect(subs.isSubscribed('s2', 'srv', 'notes://a')).toBe(false);
    subs.unsubscribe('s1', 'srv', '', 'notes://a');
    expect(subs.isSubscribed('s1', 'srv', 'notes://a')).toBe(false);
  });

  it('refuses a subscription beyond the per-session bound (EDGE.TOO_MANY_SUBSCRIPTIONS), and still takes a repeat', () => {
    const subs = new ResourceSubscriptions();
    for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_SESSION; i++) subs.subscribe('s1', 'srv', '', `notes://${i}`);
    expect(() => subs.subscribe('s1', 'srv', '', 'notes://one-too-many')).toThrow(expect.objectContaining({ code: 'EDGE.TOO_MANY_SUBSCRIPTIONS' }));
    expect(subs.subscribe('s1', 'srv', '', 'notes://0')).toBe(false);
  });
});
