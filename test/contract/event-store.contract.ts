import {
  DuplicateEventIdError,
  EventStoreUnavailableError,
  WrongExpectedRevisionError,
  type EventStore,
  type EventToAppend,
  type RecordedEvent,
  type Subscription,
} from '@warden/event-store';

export interface EventStoreUnderTest {
  store: EventStore;
  cleanup(): Promise<void>;
}

/**
 * The contract every event-store adapter honours (DESIGN.md §1). Run it from a
 * `*.contract-spec.ts` per adapter. Positions are only required to be strictly increasing.
 */
export function describeEventStoreContract(name: string, factory: () => Promise<EventStoreUnderTest>): void {
  describe(`EventStore contract: ${name}`, () => {
    let subject: EventStoreUnderTest;
    let store: EventStore;
    let idCounter = 0;
    const event = (type = 'Happened', data: unknown = { n: idCounter }): EventToAppend => ({
      id: `evt-${process.pid}-${Date.now()}-${++idCounter}`,
      type,
      data,
    });

    beforeEach(async () => {
      subject = await factory();
      store = subject.store;
    });
    afterEach(async () => {
      jest.restoreAllMocks();
      await subject.cleanup();
    });

    describe('append and read a stream', () => {
      it('round-trips events with 0-based revisions', async () => {
        const first = event('ToolCallDecided', { decision: 'allow', nested: { list: [1, 'two', null] } });
        const second = event('ToolCallCompleted', { latencyMs: 12.5 });
        const result = await store.appendToStream('calls-o1-n1', [first, second], { expectedRevision: 'no_stream' });

        expect(result.nextExpectedRevision).toBe(1);
        const read = await store.readStream('calls-o1-n1');
        expect(read.map(pick)).toEqual([
          { id: first.id, type: 'ToolCallDecided', stream: 'calls-o1-n1', revision: 0, data: first.data },
          { id: second.id, type: 'ToolCallCompleted', stream: 'calls-o1-n1', revision: 1, data: second.data },
        ]);
        expect(read[1].position).toBe(result.position);
        expect(read[1].position).toBeGreaterThan(read[0].position);
      });

      it('reads an unknown stream as empty and its revision as -1', async () => {
        expect(await store.readStream('nobody-here')).toEqual([]);
        expect(await store.streamRevision('nobody-here')).toBe(-1);
      });

      it('reports the revision of the last event', async () => {
        await store.appendToStream('s', [event(), event(), event()], { expectedRevision: 'no_stream' });
        expect(await store.streamRevision('s')).toBe(2);
      });

      it('reads from a revision and at most maxCount events', async () => {
        await store.appendToStream('s', [event(), event(), event(), event()], { expectedRevision: 'any' });
        const read = await store.readStream('s', { fromRevision: 1, maxCount: 2 });
        expect(read.map((e) => e.revision)).toEqual([1, 2]);
      });

      it('keeps the events of one append contiguous in the global log', async () => {
        await store.appendToStream('a', [event()], { expectedRevision: 'any' });
        const appends = [
          store.appendToStream('b', [event(), event(), event()], { expectedRevision: 'any' }),
          store.appendToStream('c', [event(), event(), event()], { expectedRevision: 'any' }),
        ];
        await Promise.all(appends);
        for (const stream of ['b', 'c']) {
          const positions = (await store.readStream(stream)).map((e) => e.position);
          const log = await store.readAll();
          const start = log.findIndex((e) => e.position === positions[0]);
          expect(log.slice(start, start + 3).map((e) => e.stream)).toEqual([stream, stream, stream]);
        }
      });
    });

    describe('expected revision', () => {
      it("'no_stream' succeeds on a new stream and fails on an existing one, writing nothing", async () => {
        await store.appendToStream('s', [event()], { expectedRevision: 'no_stream' });
        await expectWrongRevision(store.appendToStream('s', [event(), event()], { expectedRevision: 'no_stream' }), 0);
        expect(await store.readStream('s')).toHaveLength(1);
      });

      it("'stream_exists' fails on a new stream, writing nothing, and succeeds on an existing one", async () => {
        await expectWrongRevision(store.appendToStream('s', [event()], { expectedRevision: 'stream_exists' }), -1);
        expect(await store.streamRevision('s')).toBe(-1);
        await store.appendToStream('s', [event()], { expectedRevision: 'any' });
        const result = await store.appendToStream('s', [event()], { expectedRevision: 'stream_exists' });
        expect(result.nextExpectedRevision).toBe(1);
      });

      it("'any' appends whatever the stream's state", async () => {
        expect((await store.appendToStream('s', [event()], { expectedRevision: 'any' })).nextExpectedRevision).toBe(0);
        expect((await store.appendToStream('s', [event()], { expectedRevision: 'any' })).nextExpectedRevision).toBe(1);
      });

      it('a number must equal the revision of the last event', async () => {
        const { nextExpectedRevision } = await store.appendToStream('s', [event(), event()], { expectedRevision: 'no_stream' });
        await expectWrongRevision(store.appendToStream('s', [event()], { expectedRevision: 0 }), 1);
        await expectWrongRevision(store.appendToStream('s', [event()], { expectedRevision: 2 }), 1);
        await expectWrongRevision(store.appendToStream('new', [event()], { expectedRevision: 0 }), -1);
        expect(await store.readStream('s')).toHaveLength(2);
        expect(await store.readStream('new')).toEqual([]);

        const next = await store.appendToStream('s', [event()], { expectedRevision: nextExpectedRevision });
        expect(next.nextExpectedRevision).toBe(2);
      });

      it('of concurrent appends to one stream with the same expectation, exactly one wins', async () => {
        await store.appendToStream('s', [event()], { expectedRevision: 'no_stream' });
        const attempts = await Promise.allSettled(
          Array.from({ length: 10 }, () => store.appendToStream('s', [event(), event()], { expectedRevision: 0 })),
        );
        const winners = attempts.filter((a) => a.status === 'fulfilled');
        const losers = attempts.filter((a): a is PromiseRejectedResult => a.status === 'rejected');
        expect(winners).toHaveLength(1);
        expect(losers.every((l) => l.reason instanceof WrongExpectedRevisionError)).toBe(true);
        expect((await store.readStream('s')).map((e) => e.revision)).toEqual([0, 1, 2]);
      });
    });

    describe('event ids', () => {
      it('rejects an id already in the store, in any stream, writing nothing of that append', async () => {
        const taken = event();
        await store.appendToStream('a', [taken], { expectedRevision: 'any' });
        const attempt = store.appendToStream('b', [event(), { ...taken, type: 'Other' }], { expectedRevision: 'any' });
        await expect(attempt).rejects.toBeInstanceOf(DuplicateEventIdError);
        await expect(attempt).rejects.toMatchObject({ eventId: taken.id });
        expect(await store.readStream('b')).toEqual([]);
        expect(await store.readAll()).toHaveLength(1);
      });

      it('a rejected append does not fail appends committed beside it', async () => {
        const taken = event();
        await store.appendToStream('a', [taken], { expectedRevision: 'any' });
        const results = await Promise.allSettled([
          store.appendToStream('b', [event()], { expectedRevision: 'any' }),
          store.appendToStream('c', [taken], { expectedRevision: 'any' }),
          store.appendToStream('a', [event()], { expectedRevision: 5 }),
          store.appendToStream('d', [event()], { expectedRevision: 'no_stream' }),
        ]);
        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
        expect((await store.readAll()).map((e) => e.stream).sort()).toEqual(['a', 'b', 'd']);
      });
    });

    describe('the global log', () => {
      it('reads every stream in commit order, strictly increasing positions', async () => {
        await store.appendToStream('a', [event()], { expectedRevision: 'any' });
        await store.appendToStream('b', [event(), event()], { expectedRevision: 'any' });
        await store.appendToStream('a', [event()], { expectedRevision: 'any' });
        const log = await store.readAll();
        expect(log.map((e) => `${e.stream}@${e.revision}`)).toEqual(['a@0', 'b@0', 'b@1', 'a@1']);
        expectStrictlyIncreasing(log.map((e) => e.position));
      });

      it('reads after an exclusive fromPosition, at most maxCount events', async () => {
        await store.appendToStream('a', [event(), event(), event(), event(), event()], { expectedRevision: 'any' });
        const all = await store.readAll();
        const page = await store.readAll({ fromPosition: all[1].position, maxCount: 2 });
        expect(page.map((e) => e.id)).toEqual([all[2].id, all[3].id]);
        expect(await store.readAll({ fromPosition: all[4].position })).toEqual([]);
      });

      it('accepts 200 concurrent appends to different streams, positions strictly increasing', async () => {
        const results = await Promise.all(
          Array.from({ length: 200 }, (_, i) => store.appendToStream(`agent-${i}`, [event()], { expectedRevision: 'no_stream' })),
        );
        expect(results.every((r) => r.nextExpectedRevision === 0)).toBe(true);
        expect(new Set(results.map((r) => r.position)).size).toBe(200);
        const log = await store.readAll();
        expect(log).toHaveLength(200);
        expectStrictlyIncreasing(log.map((e) => e.position));
      });
    });

    describe('subscribeToAll', () => {
      let subscriptions: Subscription[];
      beforeEach(() => {
        subscriptions = [];
      });
      afterEach(async () => {
        await Promise.all(subscriptions.map((s) => s.close()));
      });
      const collect = (fromPosition?: number) => {
        const seen: RecordedEvent[] = [];
        const subscription = store.subscribeToAll({ fromPosition }, async (e) => {
          seen.push(e);
        });
        subscriptions.push(subscription);
        return { seen, subscription };
      };

      it('catches up from the start, resolves caughtUp, then delivers live commits', async () => {
        await store.appendToStream('a', [event(), event()], { expectedRevision: 'any' });
        const { seen, subscription } = collect();
        await subscription.caughtUp;
        expect(seen.map((e) => e.revision)).toEqual([0, 1]);

        await store.appendToStream('b', [event()], { expectedRevision: 'any' });
        await waitUntil(() => seen.length === 3);
        expect(seen.map((e) => e.stream)).toEqual(['a', 'a', 'b']);
      });

      it('starts after an exclusive fromPosition', async () => {
        await store.appendToStream('a', [event(), event(), event()], { expectedRevision: 'any' });
        const log = await store.readAll();
        const { seen, subscription } = collect(log[0].position);
        await subscription.caughtUp;
        expect(seen.map((e) => e.id)).toEqual([log[1].id, log[2].id]);
      });

      it('resolves caughtUp on an empty store', async () => {
        const { seen, subscription } = collect();
        await subscription.caughtUp;
        expect(seen).toEqual([]);
      });

      it('awaits the handler: one event at a time, in order', async () => {
        await store.appendToStream('a', [event(), event(), event()], { expectedRevision: 'any' });
        let running = 0;
        let overlapped = false;
        const order: number[] = [];
        const subscription = store.subscribeToAll({}, async (e) => {
          running += 1;
          overlapped ||= running > 1;
          await new Promise((resolve) => setImmediate(resolve));
          order.push(e.position);
          running -= 1;
        });
        subscriptions.push(subscription);
        await subscription.caughtUp;
        expect(overlapped).toBe(false);
        expectStrictlyIncreasing(order);
        expect(order).toHaveLength(3);
      });

      it('neither skips nor duplicates events appended while it catches up', async () => {
        const streams = Array.from({ length: 20 }, (_, i) => `s-${i}`);
        await Promise.all(streams.map((s) => store.appendToStream(s, [event(), event()], { expectedRevision: 'any' })));
        const seen: RecordedEvent[] = [];
        const subscription = store.subscribeToAll({}, async (e) => {
          seen.push(e);
          if (seen.length % 7 === 0) await new Promise((resolve) => setImmediate(resolve)); // let appends interleave
        });
        subscriptions.push(subscription);
        const racing = Promise.all(
          streams.flatMap((s) => [
            store.appendToStream(s, [event()], { expectedRevision: 'any' }),
            store.appendToStream(`${s}-late`, [event(), event()], { expectedRevision: 'any' }),
          ]),
        );
        await racing;
        const log = await store.readAll();
        await waitUntil(() => seen.length >= log.length);
        expect(seen.map((e) => e.id)).toEqual(log.map((e) => e.id));
      });

      it('delivers to every subscriber even when another one fails', async () => {
        jest.spyOn(console, 'error').mockImplementation(() => undefined); // an adapter may report it there
        const failing = store.subscribeToAll({}, () => {
          throw new Error('projection bug');
        });
        subscriptions.push(failing);
        const { seen } = collect();
        await store.appendToStream('a', [event(), event()], { expectedRevision: 'any' });
        await waitUntil(() => seen.length === 2);
        await store.appendToStream('a', [event()], { expectedRevision: 'any' });
        await waitUntil(() => seen.length === 3);
        expect(seen.map((e) => e.revision)).toEqual([0, 1, 2]);
      });

      describe('with a stream-prefix filter', () => {
        const collectFiltered = (streamPrefixes: string[], fromPosition?: number) => {
          const seen: RecordedEvent[] = [];
          const subscription = store.subscribeToAll({ fromPosition, filter: { streamPrefixes } }, async (e) => {
            seen.push(e);
          });
          subscriptions.push(subscription);
          return { seen, subscription };
        };

        it('delivers only events whose stream starts with one of the prefixes, catching up and live, in order', async () => {
          await store.appendToStream('org-1', [event()], { expectedRevision: 'any' });
          await store.appendToStream('calls-1-n', [event(), event()], { expectedRevision: 'any' });
          await store.appendToStream('agent-1', [event()], { expectedRevision: 'any' });
          await store.appendToStream('organisation', [event()], { expectedRevision: 'any' });
          const { seen, subscription } = collectFiltered(['org-', 'agent-']);
          await subscription.caughtUp;
          expect(seen.map((e) => e.stream)).toEqual(['org-1', 'agent-1']);

          await store.appendToStream('calls-1-n', [event()], { expectedRevision: 'any' });
          await store.appendToStream('agent-2', [event()], { expectedRevision: 'any' });
          await store.appendToStream('org-1', [event()], { expectedRevision: 'any' });
          await waitUntil(() => seen.length === 4);
          await flushEventLoop();
          expect(seen.map((e) => `${e.stream}@${e.revision}`)).toEqual(['org-1@0', 'agent-1@0', 'agent-2@0', 'org-1@1']);
          expectStrictlyIncreasing(seen.map((e) => e.position));
        });

        it('starts after an exclusive fromPosition and resolves caughtUp when the log ends in filtered-out events', async () => {
          await store.appendToStream('org-1', [event(), event()], { expectedRevision: 'any' });
          await store.appendToStream('calls-1-n', [event(), event(), event()], { expectedRevision: 'any' });
          const log = await store.readAll();
          const { seen, subscription } = collectFiltered(['org-'], log[0].position);
          await subscription.caughtUp;
          expect(seen.map((e) => e.id)).toEqual([log[1].id]);
        });

        it('resolves caughtUp when nothing matches', async () => {
          await store.appendToStream('calls-1-n', [event(), event()], { expectedRevision: 'any' });
          const { seen, subscription } = collectFiltered(['server-']);
          await subscription.caughtUp;
          expect(seen).toEqual([]);
        });

        it('rejects a filter without prefixes', () => {
          expect(() => store.subscribeToAll({ filter: { streamPrefixes: [] } }, () => undefined)).toThrow(TypeError);
          expect(() => store.subscribeToAll({ filter: { streamPrefixes: [''] } }, () => undefined)).toThrow(TypeError);
        });
      });

      it('delivers nothing after close', async () => {
        const { seen, subscription } = collect();
        await store.appendToStream('a', [event()], { expectedRevision: 'any' });
        await waitUntil(() => seen.length === 1);
        await subscription.close();
        await store.appendToStream('a', [event()], { expectedRevision: 'any' });
        // a subscriber opened after the append has seen it, so the closed one would have had its chance
        const { seen: witness, subscription: witnessSubscription } = collect();
        await witnessSubscription.caughtUp;
        await flushEventLoop();
        expect(witness).toHaveLength(2);
        expect(seen).toHaveLength(1);
      });
    });

    describe('close', () => {
      it('rejects appends after close with EventStoreUnavailableError', async () => {
        await store.appendToStream('a', [event()], { expectedRevision: 'any' });
        await store.close();
        await expect(store.appendToStream('a', [event()], { expectedRevision: 'any' })).rejects.toBeInstanceOf(
          EventStoreUnavailableError,
        );
      });

      it('can be called twice', async () => {
        await store.close();
        await expect(store.close()).resolves.toBeUndefined();
      });
    });
  });
}

function pick(e: RecordedEvent): Omit<RecordedEvent, 'position'> {
  return { id: e.id, type: e.type, stream: e.stream, revision: e.revision, data: e.data };
}

async function expectWrongRevision(attempt: Promise<unknown>, actual: number): Promise<void> {
  await expect(attempt).rejects.toBeInstanceOf(WrongExpectedRevisionError);
  await expect(attempt).rejects.toMatchObject({ actual });
}

function expectStrictlyIncreasing(values: number[]): void {
  values.slice(1).forEach((value, i) => expect(value).toBeGreaterThan(values[i]));
}

/** Waits for a condition by yielding to the event loop; bounded by iterations, not by time. */
async function waitUntil(condition: () => boolean, maxTurns = 10_000): Promise<void> {
  for (let turn = 0; turn < maxTurns; turn += 1) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('condition not reached');
}

async function flushEventLoop(turns = 20): Promise<void> {
  for (let turn = 0; turn < turns; turn += 1) await new Promise((resolve) => setImmediate(resolve));
}
