import { sha256 } from '../hashing';
import {
  consistencyProof,
  consistencyProofPlan,
  inclusionProof,
  inclusionProofPlan,
  MemoryNodeStore,
  MerkleError,
  MerkleFrontier,
  planNodeIds,
  proofFromPlan,
  rangeNodes,
  rfc9162Hasher,
  treeHead,
  treeHeadFromNodes,
  verifyConsistency,
  verifyInclusion,
} from './index';

/** Property tests over trees built here: every proof verifies, every flipped bit fails. */

/** Deterministic PRNG (mulberry32), so a failure reproduces. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function buildTree(count: number): { leaves: Uint8Array[]; store: MemoryNodeStore; roots: Uint8Array[] } {
  const store = new MemoryNodeStore();
  const frontier = MerkleFrontier.empty();
  const leaves: Uint8Array[] = [];
  const roots: Uint8Array[] = [frontier.root()];
  for (let i = 0; i < count; i++) {
    leaves.push(frontier.appendData(sha256(`event ${i}`), store.put));
    roots.push(frontier.root());
  }
  return { leaves, store, roots };
}

function flipped(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[bit >> 3] ^= 1 << (bit & 7);
  return copy;
}

const SMALL = buildTree(64);
const LARGE = buildTree(3000);

describe('the frontier and the node store', () => {
  it('give the definition root (RFC 9162 MTH) for every size up to 64, and a resumed frontier continues the same tree', () => {
    for (let size = 0; size <= 64; size++) {
      const expected = treeHead(SMALL.leaves.slice(0, size));
      expect(SMALL.roots[size]).toEqual(expected);
      expect(treeHeadFromNodes(size, SMALL.store.fetch)).toEqual(expected);
    }
    const part = MerkleFrontier.empty();
    for (let i = 0; i < 37; i++) part.append(SMALL.leaves[i]);
    const stored = JSON.stringify({ size: part.size, hashes: part.state().hashes.map((h) => Buffer.from(h).toString('hex')) });
    const parsed = JSON.parse(stored) as { size: number; hashes: string[] };
    const resumed = MerkleFrontier.fromState({ size: parsed.size, hashes: parsed.hashes.map((h) => Uint8Array.from(Buffer.from(h, 'hex'))) });
    for (let i = 37; i < 64; i++) resumed.append(SMALL.leaves[i]);
    expect(resumed.root()).toEqual(SMALL.roots[64]);
  });

  it('refuses a stored frontier whose hash count does not match its size', () => {
    const state = MerkleFrontier.empty();
    for (let i = 0; i < 5; i++) state.append(SMALL.leaves[i]);
    const { size, hashes } = state.state();
    expect(() => MerkleFrontier.fromState({ size, hashes: hashes.slice(1) })).toThrow(expect.objectContaining({ code: 'MERKLE.INVALID_FRONTIER' }));
    expect(() => MerkleFrontier.fromState({ size: 7, hashes })).toThrow(expect.objectContaining({ code: 'MERKLE.INVALID_FRONTIER' }));
    expect(() => MerkleFrontier.fromState({ size: -1, hashes: [] })).toThrow(expect.objectContaining({ code: 'MERKLE.INVALID_FRONTIER' }));
  });

  it('decomposes a range into the largest aligned perfect subtrees', () => {
    expect(rangeNodes(0, 7)).toEqual([{ level: 2, index: 0 }, { level: 1, index: 2 }, { level: 0, index: 6 }]);
    expect(rangeNodes(4, 8)).toEqual([{ level: 2, index: 1 }]);
    expect(rangeNodes(8, 13)).toEqual([{ level: 2, index: 2 }, { level: 0, index: 12 }]);
  });
});

describe('inclusion proofs', () => {
  it('verify for every leaf of every size up to 64, and fail for the wrong index or a neighbour root', () => {
    for (let size = 1; size <= 64; size++) {
      for (let index = 0; index < size; index++) {
        const proof = inclusionProof(index, size, SMALL.store.fetch);
        expect(verifyInclusion(SMALL.leaves[index], index, size, proof, SMALL.roots[size])).toEqual({ ok: true });
        if (size > 1) expect(verifyInclusion(SMALL.leaves[index], (index + 1) % size, size, proof, SMALL.roots[size]).ok).toBe(false);
        if (size < 64) expect(verifyInclusion(SMALL.leaves[index], index, size + 1, proof, SMALL.roots[size + 1]).ok).toBe(false);
      }
    }
  });

  it('verify for every leaf of a 3,000-leaf tree, and a flipped bit in the leaf, the root or any proof hash fails', () => {
    const random = prng(17);
    const size = 3000;
    const root = LARGE.roots[size];
    for (let index = 0; index < size; index++) {
      const proof = inclusionProof(index, size, LARGE.store.fetch);
      expect(verifyInclusion(LARGE.leaves[index], index, size, proof, root).ok).toBe(true);
      const bit = () => Math.floor(random() * 256);
      expect(verifyInclusion(flipped(LARGE.leaves[index], bit()), index, size, proof, root)).toMatchObject({ ok: false, code: 'MERKLE.ROOT_MISMATCH' });
      expect(verifyInclusion(LARGE.leaves[index], index, size, proof, flipped(root, bit()))).toMatchObject({ ok: false, code: 'MERKLE.ROOT_MISMATCH' });
      const at = Math.floor(random() * proof.length);
      const tampered = proof.map((p, i) => (i === at ? flipped(p, bit()) : p));
      expect(verifyInclusion(LARGE.leaves[index], index, size, tampered, root)).toMatchObject({ ok: false, code: 'MERKLE.ROOT_MISMATCH' });
    }
  });

  it('names what is wrong: a short, long or malformed proof, an index out of range', () => {
    const proof = inclusionProof(5, 13, SMALL.store.fetch);
    const root = SMALL.roots[13];
    expect(verifyInclusion(SMALL.leaves[5], 5, 13, proof.slice(1), root)).toMatchObject({ ok: false, code: 'MERKLE.PROOF_LENGTH' });
    expect(verifyInclusion(SMALL.leaves[5], 5, 13, [...proof, root], root)).toMatchObject({ ok: false, code: 'MERKLE.PROOF_LENGTH' });
    expect(verifyInclusion(SMALL.leaves[5], 5, 13, [proof[0].subarray(1), ...proof.slice(1)], root)).toMatchObject({ ok: false, code: 'MERKLE.INVALID_HASH' });
    expect(verifyInclusion(SMALL.leaves[5].subarray(0, 31), 5, 13, proof, root)).toMatchObject({ ok: false, code: 'MERKLE.INVALID_HASH' });
    expect(verifyInclusion(SMALL.leaves[5], 13, 13, proof, root)).toMatchObject({ ok: false, code: 'MERKLE.INDEX_OUT_OF_RANGE' });
    expect(verifyInclusion(SMALL.leaves[5], 1.5, 13, proof, root)).toMatchObject({ ok: false, code: 'MERKLE.INVALID_SIZE' });
    expect(verifyInclusion(SMALL.leaves[5], 5, 2 ** 64, proof, root)).toMatchObject({ ok: false, code: 'MERKLE.INVALID_SIZE' });
  });

  it('generation refuses a leaf beyond the tree and says which node the store is missing', () => {
    expect(() => inclusionProof(64, 64, SMALL.store.fetch)).toThrow(expect.objectContaining({ code: 'MERKLE.INDEX_OUT_OF_RANGE' }));
    expect(() => inclusionProof(0, 65, SMALL.store.fetch)).toThrow(MerkleError);
    expect(() => inclusionProof(0, 65, SMALL.store.fetch)).toThrow(expect.objectContaining({ code: 'MERKLE.NODE_MISSING', message: expect.stringContaining('level 0, index 64') }));
  });

  it('a plan fetched in one batch (as an asynchronous store would) gives the same proof', () => {
    const plan = inclusionProofPlan(1234, 2999);
    const fetched = new Map(planNodeIds(plan).map((id) => [`${id.level}/${id.index}`, LARGE.store.fetch(id.level, id.index)]));
    expect(proofFromPlan(plan, (level, index) => fetched.get(`${level}/${index}`))).toEqual(inclusionProof(1234, 2999, LARGE.store.fetch));
  });
});

describe('consistency proofs', () => {
  it('verify between every pair of sizes up to 64, and fail against the neighbouring roots', () => {
    for (let size2 = 1; size2 <= 64; size2++) {
      for (let size1 = 1; size1 <= size2; size1++) {
        const proof = consistencyProof(size1, size2, SMALL.store.fetch);
        expect(verifyConsistency(size1, size2, proof, SMALL.roots[size1], SMALL.roots[size2])).toEqual({ ok: true });
        if (size1 < size2) expect(verifyConsistency(size1, size2, proof, SMALL.roots[size1 - 1], SMALL.roots[size2]).ok).toBe(false);
        if (size1 > 1) expect(verifyConsistency(size1, size2, proof, SMALL.roots[size1], SMALL.roots[size2 - 1]).ok).toBe(false);
      }
    }
  });

  it('verify for a sample of pairs in a 3,000-leaf tree, and a flipped bit in either root or any proof hash fails', () => {
    const random = prng(42);
    for (let n = 0; n < 600; n++) {
      const size2 = 2 + Math.floor(random() * 2999);
      const size1 = 1 + Math.floor(random() * (size2 - 1));
      const proof = consistencyProof(size1, size2, LARGE.store.fetch);
      const [root1, root2] = [LARGE.roots[size1], LARGE.roots[size2]];
      expect(verifyConsistency(size1, size2, proof, root1, root2)).toEqual({ ok: true });
      const bit = () => Math.floor(random() * 256);
      expect(verifyConsistency(size1, size2, proof, flipped(root1, bit()), root2)).toMatchObject({ ok: false, code: 'MERKLE.ROOT_MISMATCH' });
      expect(verifyConsistency(size1, size2, proof, root1, flipped(root2, bit()))).toMatchObject({ ok: false, code: 'MERKLE.ROOT_MISMATCH' });
      for (let at = 0; at < proof.length; at++) {
        const tampered = proof.map((p, i) => (i === at ? flipped(p, bit()) : p));
        expect(verifyConsistency(size1, size2, tampered, root1, root2)).toMatchObject({ ok: false, code: 'MERKLE.ROOT_MISMATCH' });
      }
    }
  });

  it('names what is wrong: sizes out of order, the empty tree, a proof of the wrong length', () => {
    const proof = consistencyProof(5, 13, SMALL.store.fetch);
    const [root1, root2] = [SMALL.roots[5], SMALL.roots[13]];
    expect(verifyConsistency(13, 5, proof, root2, root1)).toMatchObject({ ok: false, code: 'MERKLE.SIZE_ORDER' });
    expect(verifyConsistency(0, 13, [], rfc9162Hasher.emptyRoot, root2)).toMatchObject({ ok: false, code: 'MERKLE.EMPTY_TREE' });
    expect(verifyConsistency(5, 13, proof.slice(0, -1), root1, root2)).toMatchObject({ ok: false, code: 'MERKLE.PROOF_LENGTH' });
    expect(verifyConsistency(5, 13, [], root1, root2)).toMatchObject({ ok: false, code: 'MERKLE.PROOF_LENGTH' });
    expect(verifyConsistency(13, 13, proof, root2, root2)).toMatchObject({ ok: false, code: 'MERKLE.PROOF_LENGTH' });
    expect(verifyConsistency(13, 13, [], root2, root1)).toMatchObject({ ok: false, code: 'MERKLE.ROOT_MISMATCH' });
    expect(() => consistencyProof(14, 13, SMALL.store.fetch)).toThrow(expect.objectContaining({ code: 'MERKLE.SIZE_ORDER' }));
    expect(() => consistencyProof(0, 13, SMALL.store.fetch)).toThrow(expect.objectContaining({ code: 'MERKLE.EMPTY_TREE' }));
    expect(consistencyProofPlan(8, 8)).toEqual([]);
  });
});
