import type { RecordedEvent } from '../event-store.port';
import { CatchUpSubscription, type GlobalLogSource, type LogPage, type StreamFilter } from './catch-up-subscription';

/** An in-memory log: the subscription only needs "a page after a position" and "the head". */
class ArrayLog implements GlobalLogSource {
  readonly events: RecordedEvent[] = [];
  reads = 0;
  /** Events looked at by all reads (matched or not). */
  examined = 0;
  append(count: number, stream = 's'): void {
    for (let i = 0; i < count; i += 1) {
      const position = this.events.length + 1;
      this.events.push({ id: `e${position}`, type: 'T', stream, revision: position - 1, position, data: null });
    }
  }
  readPage(afterPosition: number, maxCount: number, filter?: StreamFilter): LogPage {
    this.reads += 1;
    const page = this.events.filter((e) => e.position > afterPosition).slice(0, maxCount);
    this.examined += page.length;
    return {
      events: filter ? page.filter((e) => filter.matches(e.stream)) : page,
      scannedTo: page.length > 0 ? page[page.length - 1].position : afterPosition,
      reachedHead: page.length < maxCount,
    };
  }
  headPosition(): number {
    return this.events.length;
  }
}

const orgStreams: StreamFilter = { prefixes: ['org-'], matches: (stream) => stream.startsWith('org-') };

const turns = async (count: number) => {
  for (let i = 0; i < count; i += 1) await new Promise((resolve) => setImmediate(resolve));
};

describe('CatchUpSubscription', () => {
  it('does not call the handler synchronously from its constructor', () => {
    const log = new ArrayLog();
    log.append(1);
    const seen: number[] = [];
    const subscription = new CatchUpSubscription(log, (e) => void seen.push(e.position), { fromPosition: 0, pageSize: 10, onError: () => undefined });
    expect(seen).toEqual([]);
    return subscription.close();
  });

  it('sleeps when caught up and reads again only when told of a commit', async () => {
    const log = new ArrayLog();
    log.append(3);
    const seen: number[] = [];
    const subscription = new CatchUpSubscription(log, (e) => void seen.push(e.position), { fromPosition: 0, pageSize: 2, onError: () => undefined });
    await subscription.caughtUp;
    await turns(5);
    const readsWhenIdle = log.reads;
    await turns(5);
    expect(log.reads).toBe(readsWhenIdle);

    log.append(2);
    subscription.notifyCommitted();
    await turns(5);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(subscription.checkpoint).toBe(5);
    await subscription.close();
    await subscription.stopped;
  });

  it('reads the log once per commit when live: a page that reached the head is not followed by an empty read', async () => {
    const log = new ArrayLog();
    log.append(3);
    const seen: number[] = [];
    const subscription = new CatchUpSubscription(log, (e) => void seen.push(e.position), { fromPosition: 0, pageSize: 10, onError: () => undefined });
    await subscription.caughtUp;
    await turns(3);
    expect(log.reads).toBe(1);
    for (let commit = 1; commit <= 4; commit += 1) {
      log.append(1);
      subscription.notifyCommitted();
      await turns(3);
    }
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(log.reads).toBe(5);
    await subscription.close();
  });

  it('still delivers a commit made while the handler of a head-reaching page was running', async () => {
    const log = new ArrayLog();
    log.append(1);
    const seen: number[] = [];
    let subscription!: CatchUpSubscription;
    subscription = new CatchUpSubscription(
      log,
      async (e) => {
        seen.push(e.position);
        if (e.position === 1) {
          log.append(1); // committed between the read and the wait
          subscription.notifyCommitted();
        }
      },
      { fromPosition: 0, pageSize: 10, onError: () => undefined },
    );
    await turns(5);
    expect(seen).toEqual([1, 2]);
    await subscription.close();
  });

  it('rejects caughtUp if closed before catching up', async () => {
    const log = new ArrayLog();
    log.append(5);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const subscription = new CatchUpSubscription(log, () => held, { fromPosition: 0, pageSize: 10, onError: () => undefined });
    await turns(2);
    await subscription.close();
    release();
    await expect(subscription.caughtUp).rejects.toThrow(/closed before it caught up/);
    await subscription.stopped;
    expect(subscription.checkpoint).toBe(1);
  });

  it('stops and reports when reading the log fails', async () => {
    const log = new ArrayLog();
    log.readPage = () => {
      throw new Error('database is closed');
    };
    const reported: unknown[] = [];
    const subscription = new CatchUpSubscription(log, () => undefined, { fromPosition: 0, pageSize: 10, onError: (e) => reported.push(e) });
    await subscription.stopped;
    expect(reported).toEqual([new Error('database is closed')]);
    expect(subscription.error).toEqual(new Error('database is closed'));
  });

  it('with a filter, delivers matching events only, examines the others once, and checkpoints past them', async () => {
    const log = new ArrayLog();
    log.append(2, 'org-1');
    log.append(5, 'calls-1');
    const seen: number[] = [];
    const subscription = new CatchUpSubscription(log, (e) => void seen.push(e.position), {
      fromPosition: 0,
      pageSize: 3,
      filter: orgStreams,
      onError: () => undefined,
    });
    await subscription.caughtUp;
    await turns(5);
    expect(seen).toEqual([1, 2]);
    expect(subscription.checkpoint).toBe(7);
    const examined = log.examined;
    for (let i = 0; i < 3; i += 1) {
      subscription.notifyCommitted(); // commits of other stores, or of filtered streams: nothing new to examine
      await turns(3);
    }
    expect(log.examined).toBe(examined);
    log.append(1, 'calls-1');
    log.append(1, 'org-2');
    subscription.notifyCommitted();
    await turns(5);
    expect(seen).toEqual([1, 2, 9]);
    expect(log.examined).toBe(examined + 2);
    expect(subscription.checkpoint).toBe(9);
    await subscription.close();
  });

  it('is not woken by a commit that names only streams its filter rejects, and reads again for one it accepts', async () => {
    const log = new ArrayLog();
    log.append(1, 'org-1');
    const seen: number[] = [];
    const subscription = new CatchUpSubscription(log, (e) => void seen.push(e.position), {
      fromPosition: 0,
      pageSize: 10,
      filter: orgStreams,
      onError: () => undefined,
    });
    await subscription.caughtUp;
    await turns(5);
    const reads = log.reads;
    for (let i = 0; i < 5; i += 1) {
      log.append(1, 'calls-org-1-node-1');
      subscription.notifyCommitted(['calls-org-1-node-1']);
      subscription.notifyCommitted([]); // another store's writes in the shared database
      await turns(3);
    }
    expect(log.reads).toBe(reads);
    log.append(1, 'org-2');
    subscription.notifyCommitted(['calls-org-1-node-1', 'org-2']);
    await turns(5);
    expect(seen).toEqual([1, 7]);
    expect(subscription.checkpoint).toBe(7);
    // Without a hint (a store that cannot tell), it is always woken.
    log.append(1, 'org-3');
    subscription.notifyCommitted();
    await turns(5);
    expect(seen).toEqual([1, 7, 8]);
    await subscription.close();
  });
});
