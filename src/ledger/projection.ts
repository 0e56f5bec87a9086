import type { EventEnvelope } from '@warden/ledger';

/**
 * A read model fed from the durable log (never from the in-memory EventBus). It must be
 * idempotent per event and cheap: every event of the log passes through every projection.
 */
export interface Projection {
  readonly name: string;
  apply(event: EventEnvelope, position: number): void;
}

export const PROJECTIONS = Symbol('PROJECTIONS');
