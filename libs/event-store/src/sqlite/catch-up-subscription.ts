import type { EventHandler, RecordedEvent, Subscription } from '../event-store.port';

/** Which streams a subscription wants: true to deliver an event of this stream. */
export type StreamMatcher = (stream: string) => boolean;

/** A subscription's filter: the stream name prefixes it wants, and the test of a name against them. */
export interface StreamFilter {
  readonly prefixes: readonly string[];
  readonly matches: StreamMatcher;
}

/** A page of the log: the events that matched, and how far the page looked. */
export interface LogPage {
  events: RecordedEvent[];
  /**
   * Every event up to here has been examined (matched or not): the next page starts after it. The
   * last event examined, afterPosition if none; the head of the log when the page reached it.
   */
  scannedTo: number;
  /** The page reached the end of the committed log: nothing after scannedTo was committed when it was read. */
  reachedHead: boolean;
}

/** Where a subscription pulls events from: the committed global log. */
export interface GlobalLogSource {
  /**
   * Returns, in position order, the committed events with position > afterPosition whose stream
   * the filter wants (all without one), from at most maxCount events examined; the others are not
   * decoded. A source may examine only the rows of the wanted streams (SQLite: by stream name range
   * on its index) and skip the others unread: scannedTo then says how far that page looked.
   * `live`: a caught-up reader woken by a commit (the source may serve rows it just committed).
   */
  readPage(afterPosition: number, maxCount: number, filter?: StreamFilter, live?: boolean): LogPage;
  /** Position of the last committed event, 0 if the log is empty. */
  headPosition(): number;
}

export type SubscriptionErrorHandler = (error: unknown, event: RecordedEvent | undefined) => void;

export interface CatchUpSubscriptionOptions {
  fromPosition: number;
  pageSize: number;
  /** Deliver only events of matching streams; default all. */
  filter?: StreamFilter;
  /** Told when the handler throws (the subscription then stops before that event) or a read fails. */
  onError: SubscriptionErrorHandler;
}

/**
 * A pull-based catch-up subscription. It always reads "position > last examined" from the
 * committed log, both while catching up and live (a commit only wakes it), so an event committed
 * during catch-up is delivered exactly once and in order, whatever the timing. With a filter,
 * events of other streams are examined once and skipped; the checkpoint moves past them.
 * A handler error stops this subscription (its checkpoint stays before the failing event, nothing
 * is skipped) and is reported to onError; other subscriptions are unaffected.
 */
export class CatchUpSubscription implements Subscription {
  readonly caughtUp: Promise<void>;
  /** Resolves when delivery has stopped: closed, handler failed, or the log became unreadable. */
  readonly stopped: Promise<void>;
  /** The checkpoint: every event up to here has been delivered (or filtered out). */
  private lastDelivered: number;
  /** Every event up to here has been examined: the next read starts after it. */
  private scanned: number;
  private readonly caughtUpTarget: number;
  private isCaughtUp = false;
  private closed = false;
  private wakePending = false;
  private wakeUp: (() => void) | null = null;
  private settleCaughtUp!: { resolve: () => void; reject: (error: unknown) => void };
  private failure: unknown;

  constructor(
    private readonly source: GlobalLogSource,
    private readonly handler: EventHandler,
    private readonly options: CatchUpSubscriptionOptions,
  ) {
    this.lastDelivered = options.fromPosition;
    this.scanned = options.fromPosition;
    this.caughtUpTarget = source.headPosition();
    this.caughtUp = new Promise<void>((resolve, reject) => {
      this.settleCaughtUp = { resolve, reject };
    });
    this.caughtUp.catch(() => undefined); // a caller that never awaits caughtUp gets no unhandled rejection
    this.stopped = this.deliver();
  }

  /** The error that stopped delivery, if any. */
  get error(): unknown {
    return this.failure;
  }

  /** Position of the last event the handler has finished with: the subscriber's checkpoint. */
  get checkpoint(): number {
    return this.lastDelivered;
  }

  /**
   * Called by the store after each commit. `streams`, when given, names every stream the commit
   * appended to: a filtered subscription that matches none of them has nothing new to read, and is
   * not woken (a commit of other writes of a shared database names none). Without it: woken.
   */
  notifyCommitted(streams?: readonly string[]): void {
    const matches = this.options.filter?.matches;
    if (streams !== undefined && matches !== undefined && !streams.some((stream) => matches(stream))) return;
    this.wakePending = true;
    this.wakeUp?.();
  }

  /** No handler call starts after close(); a handler already running is not interrupted. */
  async close(): Promise<void> {
    this.closed = true;
    this.notifyCommitted();
  }

  private async deliver(): Promise<void> {
    await Promise.resolve(); // never call the handler from inside subscribeToAll
    if (this.lastDelivered >= this.caughtUpTarget) this.markCaughtUp();
    try {
      while (!this.closed) {
        this.wakePending = false;
        const page = this.source.readPage(this.scanned, this.options.pageSize, this.options.filter, this.isCaughtUp);
        if (page.scannedTo <= this.scanned) {
          this.markCaughtUp();
          await this.nextCommit();
          continue;
        }
        for (const event of page.events) {
          if (this.closed) return;
          if (!(await this.handle(event))) return;
          this.advanceTo(event.position);
        }
        this.scanned = page.scannedTo;
        this.advanceTo(page.scannedTo);
        // A page that reached the head saw every commit made before it was read (the wake flag was
        // cleared before the read, synchronously): reading again finds nothing unless a commit has
        // set the flag since, so wait for one instead of querying an empty page.
        if (page.reachedHead) {
          this.markCaughtUp();
          await this.nextCommit();
        }
      }
    } catch (error) {
      this.fail(error, undefined);
    } finally {
      this.closed = true;
      if (!this.isCaughtUp) {
        this.settleCaughtUp.reject(this.failure ?? new Error('subscription closed before it caught up'));
      }
    }
  }

  private async handle(event: RecordedEvent): Promise<boolean> {
    try {
      await this.handler(event);
      return true;
    } catch (error) {
      this.fail(error, event);
      return false;
    }
  }

  private fail(error: unknown, event: RecordedEvent | undefined): void {
    this.failure = error;
    try {
      this.options.onError(error, event);
    } catch {
      // an error reporter that throws must not break the store
    }
  }

  private advanceTo(position: number): void {
    this.lastDelivered = position;
    if (position >= this.caughtUpTarget) this.markCaughtUp();
  }

  private markCaughtUp(): void {
    if (this.isCaughtUp) return;
    this.isCaughtUp = true;
    this.settleCaughtUp.resolve();
  }

  private nextCommit(): Promise<void> {
    if (this.wakePending || this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.wakeUp = () => {
        this.wakeUp = null;
        resolve();
      };
    });
  }
}
