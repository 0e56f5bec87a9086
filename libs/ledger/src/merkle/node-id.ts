import { assertTreeSize, MerkleError } from './errors';

/**
 * Node addressing, as transparency-dev/merkle (compact, proof) and tessera use it: a node is
 * (level, index); level 0 holds the leaves, and node (level, index) is the root of the PERFECT
 * subtree over leaves [index·2^level, (index+1)·2^level). Only perfect subtrees are ever
 * stored or fetched: they never change once the tree has grown past them. A subtree on the
 * right border of a tree that is not a power of two in size (an "ephemeral" node) is never
 * stored; proofs rebuild it from the perfect nodes its range decomposes into (rangeNodes).
 */
export interface NodeId {
  level: number;
  index: number;
}

/** Hash of the perfect node (level, index); undefined when the store does not have it. */
export type NodeFetcher = (level: number, index: number) => Uint8Array | undefined;

/** Largest power of two strictly below n (n ≥ 2): RFC 9162's k with k < n ≤ 2k. */
export function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The perfect, aligned subtrees that cover leaves [start, end), left to right, each the
 * largest that fits. For the ranges RFC 9162 proofs use (subtrees of the tree) they come
 * out in decreasing size, so the range's hash is their right fold: H(n0, H(n1, … n_last)).
 */
export function rangeNodes(start: number, end: number): NodeId[] {
  assertTreeSize('start', start);
  assertTreeSize('end', end);
  if (start >= end) throw new MerkleError('MERKLE.INVALID_SIZE', `empty leaf range [${start}, ${end})`);
  const nodes: NodeId[] = [];
  let at = start;
  while (at < end) {
    let width = 1;
    let level = 0;
    while (at % (width * 2) === 0 && at + width * 2 <= end) {
      width *= 2;
      level += 1;
    }
    nodes.push({ level, index: at / width });
    at += width;
  }
  return nodes;
}
