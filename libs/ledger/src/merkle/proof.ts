import { assertTreeSize, MerkleError } from './errors';
import { rfc9162Hasher } from './default-hasher';
import type { MerkleHasher } from './hasher';
import { largestPowerOfTwoBelow, rangeNodes, type NodeFetcher, type NodeId } from './node-id';

/**
 * Proof generation (RFC 9162 §2.1.3.1 PATH and §2.1.4.1 PROOF/SUBPROOF) in two steps, so that
 * the storage stays outside: a *plan* says which perfect nodes each proof element is made of
 * (one node, or several for a subtree on the right border), then the proof is assembled from
 * the hashes a NodeFetcher returns. Callers with an asynchronous store fetch planNodeIds(plan)
 * first and pass a lookup over what they fetched.
 */
export type ProofPlan = NodeId[][];

/** Leaf ranges [start, end) of the inclusion proof for leaf `index` in a tree of `size`, in proof order. */
function inclusionRanges(index: number, size: number): Array<[number, number]> {
  assertTreeSize('index', index);
  assertTreeSize('size', size);
  if (index >= size) throw new MerkleError('MERKLE.INDEX_OUT_OF_RANGE', `leaf ${index} is not in a tree of size ${size}`);
  const topDown: Array<[number, number]> = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (index < lo + k) {
      topDown.push([lo + k, hi]);
      hi = lo + k;
    } else {
      topDown.push([lo, lo + k]);
      lo += k;
    }
  }
  return topDown.reverse();
}

/** Leaf ranges of the consistency proof from size1 to size2 (0 < size1 ≤ size2), in proof order. */
function consistencyRanges(size1: number, size2: number): Array<[number, number]> {
  assertTreeSize('size1', size1);
  assertTreeSize('size2', size2);
  if (size2 < size1) throw new MerkleError('MERKLE.SIZE_ORDER', `size2 ${size2} is smaller than size1 ${size1}`);
  if (size1 === 0) throw new MerkleError('MERKLE.EMPTY_TREE', 'a consistency proof from the empty tree proves nothing');
  const topDown: Array<[number, number]> = [];
  let lo = 0;
  let hi = size2;
  let oldTreeIsWholeSubtree = true; // SUBPROOF's b
  while (size1 !== hi) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (size1 - lo <= k) {
      topDown.push([lo + k, hi]);
      hi = lo + k;
    } else {
      topDown.push([lo, lo + k]);
      lo += k;
      oldTreeIsWholeSubtree = false;
    }
  }
  if (!oldTreeIsWholeSubtree) topDown.push([lo, hi]);
  return topDown.reverse();
}

export function inclusionProofPlan(index: number, size: number): ProofPlan {
  return inclusionRanges(index, size).map(([start, end]) => rangeNodes(start, end));
}

export function consistencyProofPlan(size1: number, size2: number): ProofPlan {
  return consistencyRanges(size1, size2).map(([start, end]) => rangeNodes(start, end));
}

/** Number of hashes an inclusion proof for (index, size) has. Throws on bad arguments. */
export function inclusionProofLength(index: number, size: number): number {
  return inclusionRanges(index, size).length;
}

/** Number of hashes a consistency proof from size1 to size2 has (0 when equal). Throws on bad arguments. */
export function consistencyProofLength(size1: number, size2: number): number {
  return consistencyRanges(size1, size2).length;
}

/** Every node a plan needs, each once, for batch fetching. */
export function planNodeIds(plan: ProofPlan): NodeId[] {
  const seen = new Set<string>();
  const ids: NodeId[] = [];
  for (const element of plan) {
    for (const id of element) {
      const key = `${id.level}/${id.index}`;
      if (!seen.has(key)) {
        seen.add(key);
        ids.push(id);
      }
    }
  }
  return ids;
}

/** Hash of the leaf range the nodes cover (their right fold). */
export function hashNodes(nodes: NodeId[], fetch: NodeFetcher, hasher: MerkleHasher = rfc9162Hasher): Uint8Array {
  let acc = fetchNode(nodes[nodes.length - 1], fetch);
  for (let i = nodes.length - 2; i >= 0; i--) acc = hasher.hashChildren(fetchNode(nodes[i], fetch), acc);
  return acc;
}

export function proofFromPlan(plan: ProofPlan, fetch: NodeFetcher, hasher: MerkleHasher = rfc9162Hasher): Uint8Array[] {
  return plan.map((nodes) => hashNodes(nodes, fetch, hasher));
}

/** Inclusion proof (audit path) of leaf `index` in the tree of the first `size` leaves. */
export function inclusionProof(index: number, size: number, fetch: NodeFetcher, hasher: MerkleHasher = rfc9162Hasher): Uint8Array[] {
  return proofFromPlan(inclusionProofPlan(index, size), fetch, hasher);
}

/** Consistency proof between the trees of the first size1 and size2 leaves (0 < size1 ≤ size2). */
export function consistencyProof(size1: number, size2: number, fetch: NodeFetcher, hasher: MerkleHasher = rfc9162Hasher): Uint8Array[] {
  return proofFromPlan(consistencyProofPlan(size1, size2), fetch, hasher);
}

/** Root (tree head) of the first `size` leaves, from the stored perfect nodes. */
export function treeHeadFromNodes(size: number, fetch: NodeFetcher, hasher: MerkleHasher = rfc9162Hasher): Uint8Array {
  assertTreeSize('size', size);
  if (size === 0) return hasher.emptyRoot;
  return hashNodes(rangeNodes(0, size), fetch, hasher);
}

function fetchNode(id: NodeId, fetch: NodeFetcher): Uint8Array {
  const hash = fetch(id.level, id.index);
  if (!(hash instanceof Uint8Array)) {
    throw new MerkleError('MERKLE.NODE_MISSING', `no hash for node (level ${id.level}, index ${id.index})`);
  }
  return hash;
}
