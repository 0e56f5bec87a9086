import type { SignedReadModelSnapshot } from '@warden/ledger';

/**
 * The snapshot port: signed read-model snapshots (libs/ledger read-model-snapshot.ts), newest
 * first. A store keeps the last few; it is a cache of what the node verified, never a source of
 * truth: whatever it returns is checked against the ledger before it is used.
 */
export const SNAPSHOT_STORE = Symbol('SNAPSHOT_STORE');

export interface StoredSnapshot {
  /** The snapshot's position as stored beside it (its signed body must say the same: the caller checks). */
  position: number;
  snapshot: SignedReadModelSnapshot;
}

export interface SnapshotStore {
  /** Stores a snapshot at its position and drops all but the newest `keep` (at least 1). */
  save(position: number, snapshot: SignedReadModelSnapshot, keep?: number): Promise<void>;
  /** The snapshot of the highest position, or undefined when there is none. */
  latest(): Promise<StoredSnapshot | undefined>;
  close(): Promise<void>;
}
