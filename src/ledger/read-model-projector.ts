import { KEY_STREAM, type EventEnvelope } from '@warden/ledger';
import type { EventStore, Subscription } from '@warden/event-store';
import type { LedgerIntegrity } from './ledger-integrity';
import type { Projection } from './projection';

/**
 * Rebuilds the in-memory read models from the log on start (catch-up from position 0) and keeps
 * them current from live commits. It subscribes to the streams the read models read only (not
 * the tool-call streams: the gateway's hot path costs the projector nothing). Commands wait for
 * their own position (read-your-writes).
 * A failing projection is visible: `health()` reports it, and the failure is not swallowed.
 * Nothing is applied unverified: every event passes the ledger's integrity check first (hash,
 * signature by a registered key, chain link, envelope = row). A bad event during the replay at
 * start rejects start() (the node does not start); a bad live event stops the projector there
 * (nothing after it is applied, health says why).
 */
export class ReadModelProjector {
  private position = 0;
  private subscription?: Subscription;
  private started = false;
  private streamPrefixes: string[] = [];
  private failure?: { projection: string; position: number; message: string };
  private waiters: Array<{ position: number; resolve: () => void }> = [];

  private readonly projections: Projection[] = [];

  constructor(
    private readonly store: EventStore,
    private readonly integrity: LedgerIntegrity,
  ) {}

  /** Called by each read model when it is constructed, before start(). */
  register(projection: Projection): void {
    if (this.started) throw new Error(`projection ${projection.name} registered after start`);
    this.projections.push(projection);
    this.streamPrefixes = [...new Set([...this.streamPrefixes, ...projection.streamPrefixes])];
  }

  async start(): Promise<void> {
    this.started = true;
    // The key stream is always read: keys registered after start are learnt from it, verified.
    const filter = { streamPrefixes: [...new Set([KEY_STREAM, ...this.streamPrefixes])] };
    const verify = this.integrity.newFeed('read-model replay');
    // A stopped subscription is reported by health() (and start() rejecting), not by the adapter's log.
    const onError = (error: unknown) => {
      this.failure ??= { projection: 'subscription', position: this.position, message: String(error) };
    };
    this.subscription = this.store.subscribeToAll({ fromPosition: 0, filter, onError }, (recorded) => {
      try {
        verify(recorded);
      } catch (error) {
        this.failure ??= { projection: 'ledger-integrity', position: recorded.position, message: (error as Error).message };
        throw error; // stops the subscription before this event: nothing after it is applied
      }
      const envelope = recorded.data as EventEnvelope;
      for (const projection of this.projections) {
        // Each read model is given only the streams it asked for (a calls event never reaches the agents read model).
        if (!projection.observesAll && !projection.streamPrefixes.some((prefix) => recorded.stream.startsWith(prefix))) continue;
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
