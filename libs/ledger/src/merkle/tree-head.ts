import { rfc9162Hasher } from './default-hasher';
import type { MerkleHasher } from './hasher';
import { largestPowerOfTwoBelow } from './node-id';

/**
 * RFC 9162 §2.1.1 MTH straight from the definition, over leaf hashes held in memory:
 * MTH({}) = H(""), MTH({d}) = the leaf hash, MTH(D[n]) = H(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n])).
 * O(n); for small trees and as the reference the incremental code is checked against.
 */
export function treeHead(leafHashes: readonly Uint8Array[], hasher: MerkleHasher = rfc9162Hasher): Uint8Array {
  if (leafHashes.length === 0) return hasher.emptyRoot;
  return subtreeHead(leafHashes, 0, leafHashes.length, hasher);
}

function subtreeHead(leaves: readonly Uint8Array[], start: number, end: number, hasher: MerkleHasher): Uint8Array {
  if (end - start === 1) return leaves[start];
  const k = largestPowerOfTwoBelow(end - start);
  return hasher.hashChildren(subtreeHead(leaves, start, start + k, hasher), subtreeHead(leaves, start + k, end, hasher));
}
