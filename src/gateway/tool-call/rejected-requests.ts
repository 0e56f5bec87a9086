import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { RejectionWindows, type RejectionSummary } from '../../common/rejection-windows';
import { CLOCK, type Clock } from '../../ledger/clock';
import { CallRecorder } from './call-recorder';

/** Per (source, reason) and minute: the first 20 recorded one by one, the rest counted into one RequestsRejected. */
export const REJECTION_WINDOW_MS = 60_000;
export const REJECTION_BURST = 20;
export const REJECTION_MAX_TRACKED = 10_000;

export interface UnauthenticatedRejection {
  /** The remote address. */
  source: string;
  reason: string;
  path: string;
  /** KeyHints digest of the presented credential, if any. */
  keyHint: string | null;
}

/**
 * Records unauthenticated requests (at /mcp and /v1), bounded: a flood of bad keys from one
 * address writes at most REJECTION_BURST RequestRejected events and one RequestsRejected per
 * window, whose counts add up to every rejection. Counts still open are written on shutdown.
 */
@Injectable()
export class RejectedRequests implements BeforeApplicationShutdown, OnModuleDestroy {
  private readonly logger = new Logger('RejectedRequests');
  private readonly windows = new RejectionWindows(REJECTION_WINDOW_MS, REJECTION_BURST, REJECTION_MAX_TRACKED);
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly recorder: CallRecorder,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.timer = setInterval(() => void this.flush(false), REJECTION_WINDOW_MS);
    this.timer.unref();
  }

  /** Resolves once a rejection recorded on its own is durable (or failed, which is logged): never throws. */
  async record(rejection: UnauthenticatedRejection): Promise<void> {
    if (this.windows.admit(rejection.source, rejection.reason, this.clock.nowMs()) === 'count') return;
    const { source, reason, path, keyHint } = rejection;
    await this.recorder
      .requestRejected(undefined, { kind: 'system', id: 'edge' }, { reason, path, method: null, agentId: null, keyHint, source })
      .catch(() => this.logger.error('could not record a rejected request'));
  }

  /** Counts a rejection into its window's RequestsRejected summary only (throttled sources): no event of its own. */
  count(source: string, reason: string): void {
    this.windows.admit(source, reason, this.clock.nowMs(), true);
  }

  /** Writes the summaries of ended windows (all windows, when `all`). */
  flush(all: boolean): Promise<void> {
    const due = this.windows.due(this.clock.nowMs(), all);
    this.flushing = this.flushing.then(() => this.write(due));
    return this.flushing;
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush(true);
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  private async write(summaries: RejectionSummary[]): Promise<void> {
    for (const s of summaries) {
      const data = { source: s.source, reason: s.reason, count: s.count, from: new Date(s.fromMs).toISOString(), to: new Date(s.toMs).toISOString() };
      await this.recorder.requestsRejected(data).catch(() => this.logger.error(`could not record ${s.count} rejected requests of one source`));
    }
  }
}
