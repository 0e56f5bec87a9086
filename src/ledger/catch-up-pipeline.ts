import type { EventCheck } from '@warden/ledger';
import type { RecordedEvent } from '@warden/event-store';
import type { EventChecker } from './event-checkers';

/** Events per page sent to the checker (as `warden verify` reads them). */
const PAGE = 2_000;

/**
 * A catch-up subscription's handler that verifies in parallel: the events it is given are
 * gathered in pages, each page's hashes and signatures are checked on the checker's threads
 * (several pages at once), and `apply` is called for every event in commit order, with its check,
 * only once every page before it has been applied. The subscription is held back (the handler's
 * promise) while too many pages are in flight. apply() makes the ordered checks (chain, positions,
 * keys) and throws at a bad event: nothing after it is applied, and the next event given throws
 * the same error, which stops the subscription. A page whose checks cannot be had (a worker that
 * died) is checked by apply() itself (no check given): slower, never less checked.
 * Once finish() has drained everything, it passes each later (live) event straight to apply().
 */
export class CatchUpPipeline {
  private buffer: RecordedEvent[] = [];
  private readonly inFlight: Array<{ page: RecordedEvent[]; checks: Promise<EventCheck[] | undefined> }> = [];
  /** Drains run one after the other, so pages are applied in order whoever asks. */
  private draining: Promise<void> = Promise.resolve();
  private direct = false;
  private failure?: unknown;

  constructor(
    private readonly checker: EventChecker,
    private readonly apply: (recorded: RecordedEvent, check?: EventCheck) => void,
    private readonly pageSize = PAGE,
  ) {}

  /** The subscription's handler. */
  push = (recorded: RecordedEvent): void | Promise<void> => {
    if (this.failure !== undefined) throw this.failure;
    if (this.direct) return this.apply(recorded);
    this.buffer.push(recorded);
    if (this.buffer.length >= this.pageSize) this.send();
    if (this.inFlight.length > this.checker.parallelism * 2) return this.drain(this.checker.parallelism * 2);
  };

  /** After the subscription caught up: applies everything gathered, then goes direct; closes the checker. */
  async finish(): Promise<void> {
    try {
      while (!this.direct) {
        if (this.buffer.length > 0) this.send();
        await this.drain(0);
        // No await between this check and the switch: an event given meanwhile is in the buffer.
        if (this.buffer.length === 0 && this.inFlight.length === 0) this.direct = true;
      }
    } finally {
      await this.checker.close();
    }
  }

  /** Stops using the checker (a failed or stopped start). */
  async close(): Promise<void> {
    this.failure ??= new Error('the catch-up was stopped');
    await this.checker.close();
  }

  private send(): void {
    const page = this.buffer;
    this.buffer = [];
    this.inFlight.push({ page, checks: this.checker.check(page).catch(() => undefined) });
  }

  private drain(leave: number): Promise<void> {
    this.draining = this.draining.then(async () => {
      while (this.inFlight.length > leave) {
        if (this.failure !== undefined) throw this.failure;
        const { page, checks } = this.inFlight.shift()!;
        const checked = await checks;
        try {
          page.forEach((recorded, i) => this.apply(recorded, checked?.[i]));
        } catch (error) {
          this.failure ??= error;
          throw error;
        }
      }
    });
    return this.draining;
  }
}
