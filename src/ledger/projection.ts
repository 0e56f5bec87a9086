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
}

export const PROJECTIONS = Symbol('PROJECTIONS');
