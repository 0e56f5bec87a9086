import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { WARDEN_CONFIG, type WardenConfig } from '../../config/warden-config';
import { CLOCK, type Clock } from '../../ledger/clock';
import { RetentionSweep } from './retention-sweep';

/**
 * Runs the retention sweep every WARDEN_RETENTION_INTERVAL_MS (0: never on its own), at the time
 * of the injected clock; one sweep at a time. `start(clock, intervalMs)` lets a test run it on a
 * clock of its own.
 */
@Injectable()
export class RetentionSchedule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Retention');
  private timer?: NodeJS.Timeout;
  private round?: Promise<void>;
  private sweeps = 0;

  constructor(
    @Inject(WARDEN_CONFIG) private readonly config: WardenConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly sweep: RetentionSweep,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.retention.intervalMs > 0) this.start(this.clock, this.config.retention.intervalMs);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stop();
    await this.round;
  }

  /** (Re)starts the schedule on `clock`. */
  start(clock: Pick<Clock, 'nowMs'>, intervalMs: number): void {
    this.stop();
    this.timer = setInterval(() => {
      if (this.round) return;
      this.round = this.sweep
        .run(clock.nowMs())
        .then(() => void (this.sweeps += 1))
        .catch((error: unknown) => this.logger.error(`retention sweep failed: ${error instanceof Error ? error.message : 'error'}`))
        .finally(() => (this.round = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Resolves when the sweep under way (if any) has finished. */
  async idle(): Promise<void> {
    await this.round;
  }

  /** Sweeps completed since start (for health and tests). */
  completed(): number {
    return this.sweeps;
  }
}
