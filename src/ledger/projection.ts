import type { EventEnvelope } from '@warden/ledger';

/**
 * A read model fed from the durable log (never from the in-memory EventBus). It must be
 * idempotent per event and cheap: every event of the streams the projections read passes through
 * every projection (it ignores the types it does not know).
 */
export interface Projection {
  readonly name: string;
  /**
   * The streams it reads, by name prefix (e.g. 'org-'). The projector subscribes to these only,
   * so events of other streams (the tool-call streams, above all) are never decoded for it.
   */
  readonly streamPrefixes: readonly string[];
  apply(event: EventEnvelope, position: number): void;
}

export const PROJECTIONS = Symbol('PROJECTIONS');
