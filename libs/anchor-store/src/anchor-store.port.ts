import type { FrontierState, NodeId } from '@warden/ledger';

/**
 * The anchor store port: what the anchor projection keeps of its Merkle logs (one per
 * organisation, plus 'platform'). A log is append-only: its leaves (event hashes, in global
 * commit order) get consecutive indexes, an event id is a leaf of at most one log, once, and
 * the perfect nodes of each tree never change once written. Everything the projection learnt
 * from a run of events is committed as one batch, atomically, with the global position it
 * reached, so that a restart resumes exactly where the last commit left off.
 */
export const ANCHOR_STORE = Symbol('ANCHOR_STORE');

export interface AnchorLeaf {
  log: string;
  index: number;
  eventId: string;
  /** Global position of the event in the event store. */
  position: number;
}

export interface AnchorNode extends NodeId {
  hash: Uint8Array;
}

/** The last event of a stream the projection verified: where its chain continues from. */
export interface AnchorStreamHead {
  seq: number;
  hash: string;
}

/** A signed checkpoint (a CheckpointSigned event the projection verified). */
export interface AnchorCheckpoint {
  log: string;
  size: number;
  rootHash: Uint8Array;
  /** The C2SP signed note (tlog-checkpoint body + signature lines). */
  note: string;
  eventId: string;
  position: number;
}

/** A witness's cosignature/v1 of a checkpoint: the note signature's key and bytes (after the key id). */
export interface AnchorCosignature {
  name: string;
  keyId: number;
  signature: Uint8Array;
}

export interface AnchorLogBatch {
  log: string;
  /** The frontier after this batch's leaves. */
  frontier: FrontierState;
  /** Perfect nodes completed by this batch's leaves (level 0 = the leaf hashes). */
  nodes: AnchorNode[];
  leaves: AnchorLeaf[];
}

export interface AnchorBatch {
  /** Global position of the last event this batch accounts for (strictly after the stored one). */
  position: number;
  logs: AnchorLogBatch[];
  heads: Array<[stream: string, head: AnchorStreamHead]>;
  checkpoints: AnchorCheckpoint[];
}

export interface AnchorState {
  /** 0 when nothing was committed yet. */
  position: number;
  logs: Map<string, FrontierState>;
  heads: Map<string, AnchorStreamHead>;
}

export interface AnchorStore {
  load(): Promise<AnchorState>;
  /**
   * Atomic: all of the batch or nothing. Throws AnchorStoreConflictError for a position not after
   * the stored one, a leaf index that is not the log's next, a frontier whose size is not the
   * log's new size, or an event id that is already a leaf.
   */
  commit(batch: AnchorBatch): Promise<void>;
  leafOf(eventId: string): Promise<AnchorLeaf | undefined>;
  /** The stored nodes among `ids`, keyed `level/index`; missing ones are absent. */
  nodes(log: string, ids: readonly NodeId[]): Promise<Map<string, Uint8Array>>;
  /** The checkpoint of `log` at exactly `size`, or the latest when size is undefined. */
  checkpoint(log: string, size?: number): Promise<AnchorCheckpoint | undefined>;
  /** Stores witnesses' cosignatures of the checkpoint at `size` (one per witness key: a newer one replaces it). Throws AnchorStoreConflictError when there is no such checkpoint. */
  addCosignatures(log: string, size: number, cosignatures: readonly AnchorCosignature[]): Promise<void>;
  cosignatures(log: string, size: number): Promise<AnchorCosignature[]>;
  close(): Promise<void>;
}

export class AnchorStoreConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AnchorStoreConflictError';
  }
}

export const nodeKey = (level: number, index: number): string => `${level}/${index}`;
