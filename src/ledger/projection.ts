import type { EventEnvelope } from '@warden/ledger';

/**
 * A read model fed from the durable log (never from the in-memory EventBus), verified first. It
 * must be idempotent per event and cheap: every event of the streams it reads passes through it
 * (it ignores the types it does not know); events of other streams never do.
 */
export interface Projection {
  readonly name: string;
  /**
   * The streams it reads, by name prefix (e.g. 'org-'). The projector subscribes to the union of
   * every read model's prefixes and gives each one only the events of its own.
   */
  readonly streamPrefixes: readonly string[];
  /** Sees every event the projector applies, of any read model's streams, adding none (metrics). */
  readonly observesAll?: boolean;
  apply(event: EventEnvelope, position: number): void;
  /**
   * Opt-in to read-model snapshots (src/snapshots): the state built from the log so far, as plain
   * JSON (only what the log gave it: nothing this process reserved on its own), and its inverse,
   * called once before any event is applied. restore() checks the shape and throws on anything
   * else, changing nothing then. A read model with both is restored from a verified snapshot and
   * given only the events after it; one without them replays its streams in full.
   */
  snapshot?(): unknown;
  restore?(state: unknown): void;
  /**
   * A read model kept in a store of its own (the forensic index): the global position it already
   * holds. Starting from a snapshot at P, it is not replayed up to P when it holds P already (it
   * skips what it holds); one that is behind replays its streams with the others.
   */
  heldUpTo?(): number;
}

export type SnapshotCapable = Projection & Required<Pick<Projection, 'snapshot' | 'restore'>>;

export const isSnapshotCapable = (projection: Projection): projection is SnapshotCapable =>
  typeof projection.snapshot === 'function' && typeof projection.restore === 'function';

export const PROJECTIONS = Symbol('PROJECTIONS');
