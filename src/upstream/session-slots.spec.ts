import { SessionSlots } from './session-slots';

describe('SessionSlots', () => {
  it('runs up to max at once, queues the rest in order, and hands a freed slot straight to the next', async () => {
    const slots = new SessionSlots(2);
    const order: number[] = [];
    const first = await slots.acquire();
    const second = await slots.acquire();
    const third = slots.acquire().then((release) => (order.push(3), release));
    const fourth = slots.acquire().then((release) => (order.push(4), release));
    expect([slots.active, slots.waiting]).toEqual([2, 2]);
    first();
    expect([slots.active, slots.waiting]).toEqual([2, 1]); // never seen free in between
    (await third)();
    second();
    (await fourth)();
    expect(order).toEqual([3, 4]);
    expect([slots.active, slots.waiting]).toEqual([0, 0]);
  });

  it('lets a waiter whose caller cancels leave the queue, and a release count once', async () => {
    const slots = new SessionSlots(1);
    const held = await slots.acquire();
    const abort = new AbortController();
    const waiting = slots.acquire(abort.signal);
    expect(slots.waiting).toBe(1);
    abort.abort();
    await expect(waiting).rejects.toBeDefined();
    expect(slots.waiting).toBe(0);
    held();
    held();
    expect(slots.active).toBe(0);
    (await slots.acquire())();
    expect(slots.active).toBe(0);
  });
});
