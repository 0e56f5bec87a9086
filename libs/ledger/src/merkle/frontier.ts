import { assertTreeSize, MerkleError } from './errors';
import { rfc9162Hasher } from './default-hasher';
import { MERKLE_HASH_BYTES, type MerkleHasher } from './hasher';

/** Called for every perfect node an append completes: the leaf itself, then each parent. */
export type NodeSink = (level: number, index: number, hash: Uint8Array) => void;

/** What a frontier stores: the size and the roots of the perfect subtrees it decomposes into, largest (leftmost) first. */
export interface FrontierState {
  size: number;
  hashes: Uint8Array[];
}

/**
 * The compact range [0, size) of an append-only tree (the "frontier"): one hash per 1-bit of
 * size, so appending a leaf costs O(log n) and the root of the current size is a fold of at
 * most log2(n) hashes. This is what an anchor projection keeps per log; every node an append
 * completes goes to the NodeSink so that a node store can serve proofs later.
 */
export class MerkleFrontier {
  private constructor(
    private sizeNow: number,
    private readonly hashes: Uint8Array[],
    private readonly hasher: MerkleHasher,
  ) {}

  static empty(hasher: MerkleHasher = rfc9162Hasher): MerkleFrontier {
    return new MerkleFrontier(0, [], hasher);
  }

  /** Resume from a stored state; refuses one whose hash count does not match its size. */
  static fromState(state: FrontierState, hasher: MerkleHasher = rfc9162Hasher): MerkleFrontier {
    try {
      assertTreeSize('size', state.size);
    } catch (error) {
      throw new MerkleError('MERKLE.INVALID_FRONTIER', (error as Error).message);
    }
    const expected = popcount(state.size);
    if (!Array.isArray(state.hashes) || state.hashes.length !== expected) {
      throw new MerkleError('MERKLE.INVALID_FRONTIER', `a frontier of size ${state.size} has ${expected} hashes`);
    }
    if (state.hashes.some((h) => !(h instanceof Uint8Array) || h.length !== MERKLE_HASH_BYTES)) {
      throw new MerkleError('MERKLE.INVALID_FRONTIER', `frontier hashes are ${MERKLE_HASH_BYTES} bytes`);
    }
    return new MerkleFrontier(state.size, state.hashes.map((h) => Uint8Array.from(h)), hasher);
  }

  get size(): number {
    return this.sizeNow;
  }

  /** Append a leaf by its leaf hash (already H(0x00 ‖ data)). */
  append(leafHash: Uint8Array, sink?: NodeSink): void {
    if (!(leafHash instanceof Uint8Array) || leafHash.length !== MERKLE_HASH_BYTES) {
      throw new MerkleError('MERKLE.INVALID_HASH', `a leaf hash is ${MERKLE_HASH_BYTES} bytes`);
    }
    const index = this.sizeNow;
    if (index + 1 > Number.MAX_SAFE_INTEGER) throw new MerkleError('MERKLE.INVALID_SIZE', 'the tree is full');
    let hash: Uint8Array = Uint8Array.from(leafHash);
    sink?.(0, index, hash);
    let rest = index;
    let level = 0;
    while (rest % 2 === 1) {
      const left = this.hashes.pop() as Uint8Array;
      hash = this.hasher.hashChildren(left, hash);
      rest = Math.floor(rest / 2);
      level += 1;
      sink?.(level, rest, hash);
    }
    this.hashes.push(hash);
    this.sizeNow = index + 1;
  }

  /** Append leaf data: hashes it as a leaf, appends, returns the leaf hash. */
  appendData(data: Uint8Array, sink?: NodeSink): Uint8Array {
    const leafHash = this.hasher.hashLeaf(data);
    this.append(leafHash, sink);
    return leafHash;
  }

  /** The tree head (RFC 9162 MTH) of the current size. */
  root(): Uint8Array {
    if (this.hashes.length === 0) return this.hasher.emptyRoot;
    let acc = this.hashes[this.hashes.length - 1];
    for (let i = this.hashes.length - 2; i >= 0; i--) acc = this.hasher.hashChildren(this.hashes[i], acc);
    return acc;
  }

  state(): FrontierState {
    return { size: this.sizeNow, hashes: this.hashes.map((h) => Uint8Array.from(h)) };
  }
}

function popcount(n: number): number {
  let count = 0;
  for (let rest = n; rest > 0; rest = Math.floor(rest / 2)) count += rest % 2;
  return count;
}
