import type { SignedReadModelSnapshot } from '@warden/ledger';

/**
 * The snapshot port: signed read-model snapshots (libs/ledger read-model-snapshot.ts), newest
 * first. A store keeps the last few; it is a cache of what the node verified, never a source of
 * truth: whatever it returns is checked against the ledger before it is used.
 */
export const SNAPSHOT_STORE = Symbol('SNAPSHOT_STORE');

export interface StoredSnapshot {
  /** The snapshot's position (its body says the same: the store does not check it). */
  position: number;
  /** The signed snapshot as stored; undefined when the stored text is not JSON. */
  snapshot: SignedReadModelSnapshot | undefined;
  /** Length of the stored text (figures). */
  bytes: number;
}

export interface SnapshotStore {
  /** Stores a snapshot and drops all but the newest `keep` (at least 1). */
  save(snapshot: SignedReadModelSnapshot, keep?: number): Promise<void>;
  /** The snapshot of the highest position, or undefined when there is none. */
  latest(): Promise<StoredSnapshot | undefined>;
  close(): Promise<void>;
}
