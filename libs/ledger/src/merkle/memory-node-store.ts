import { MerkleError } from './errors';
import { MERKLE_HASH_BYTES } from './hasher';
import type { NodeFetcher } from './node-id';

/**
 * Perfect nodes in memory, one growable byte buffer per level (32 bytes a node), filled in
 * append order by a MerkleFrontier's NodeSink. For tests, benchmarks and small logs.
 */
export class MemoryNodeStore {
  private readonly levels: Array<{ bytes: Uint8Array; count: number }> = [];

  /** Store node (level, index); nodes of a level arrive in index order. */
  readonly put = (level: number, index: number, hash: Uint8Array): void => {
    if (hash.length !== MERKLE_HASH_BYTES) throw new MerkleError('MERKLE.INVALID_HASH', `a node hash is ${MERKLE_HASH_BYTES} bytes`);
    while (this.levels.length <= level) this.levels.push({ bytes: new Uint8Array(MERKLE_HASH_BYTES * 64), count: 0 });
    const row = this.levels[level];
    if (index !== row.count) throw new MerkleError('MERKLE.INVALID_SIZE', `level ${level} expects node ${row.count} next, got ${index}`);
    if ((index + 1) * MERKLE_HASH_BYTES > row.bytes.length) {
      const grown = new Uint8Array(row.bytes.length * 2);
      grown.set(row.bytes);
      row.bytes = grown;
    }
    row.bytes.set(hash, index * MERKLE_HASH_BYTES);
    row.count += 1;
  };

  readonly fetch: NodeFetcher = (level, index) => {
    const row = this.levels[level];
    if (!row || !Number.isInteger(index) || index < 0 || index >= row.count) return undefined;
    return row.bytes.subarray(index * MERKLE_HASH_BYTES, (index + 1) * MERKLE_HASH_BYTES);
  };
}
