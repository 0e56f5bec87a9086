import type { EventEnvelope } from '@warden/ledger';
import type { EventStore, Subscription } from '@warden/event-store';
import type { Projection } from './projection';

/**
 * Rebuilds the in-memory read models from the log on start (catch-up from position 0) and keeps
 * them current from live commits. It subscribes to the streams the read models read only (not
 * the tool-call streams: the gateway's hot path costs the projector nothing). Commands wait for
 * their own position (read-your-writes).
 * A failing projection is visible: `health()` reports it, and the failure is not swallowed.
 */
export class ReadModelProjector {
  private position = 0;
  private subscription?: Subscription;
  private started = false;
  private streamPrefixes: string[] = [];
  private failure?: { projection: string; position: number; message: string };
  private waiters: Array<{ position: number; resolve: () => void }> = [];

  private readonly projections: Projection[] = [];

  constructor(private readonly store: EventStore) {}

  /** Called by each read model when it is constructed, before start(). */
  register(projection: Projection): void {
    if (this.started) throw new Error(`projection ${projection.name} registered after start`);
    this.projections.push(projection);
    this.streamPrefixes = [...new Set([...this.streamPrefixes, ...projection.streamPrefixes])];
  }

  async start(): Promise<void> {
    this.started = true;
    if (this.streamPrefixes.length === 0) return; // no read model: nothing to project
    const filter = { streamPrefixes: this.streamPrefixes };
    this.subscription = this.store.subscribeToAll({ fromPosition: 0, filter }, (recorded) => {
      const envelope = recorded.data as EventEnvelope;
      for (const projection of this.projections) {
        try {
          projection.apply(envelope, recorded.position);
        } catch (error) {
          this.failure ??= { projection: projection.name, position: recorded.position, message: String(error) };
        }
      }
      this.position = recorded.position;
      this.releaseWaiters();
    });
    await this.subscription.caughtUp;
  }

  /** Resolves once every projection has seen the event at `position` of `stream`; at once if none reads that stream. */
  waitFor(position: number, stream: string): Promise<void> {
    if (this.position >= position || !this.streamPrefixes.some((prefix) => stream.startsWith(prefix))) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ position, resolve }));
  }

  /** position: of the last event the read models applied (events of streams they do not read are not counted). */
  health(): { position: number; failure?: { projection: string; position: number; message: string } } {
    return { position: this.position, failure: this.failure };
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
  }

  private releaseWaiters(): void {
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => w.position <= this.position);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.position > this.position);
    for (const waiter of ready) waiter.resolve();
  }
}
