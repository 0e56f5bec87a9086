import { fromHex, toHex } from '../hashing';
import {
  consistencyProof,
  inclusionProof,
  MemoryNodeStore,
  MerkleFrontier,
  rfc9162Hasher,
  treeHead,
  treeHeadFromNodes,
  verifyConsistency,
  verifyInclusion,
} from './index';
import {
  COMPACT_TREES,
  CONSISTENCY_PROBES,
  INCLUSION_PROBES,
  LEAF_INPUTS_HEX,
  NODE_HASHES_HEX,
  ROOT_HASHES_HEX,
} from './transparency-dev-vectors.fixture';

/** The published vectors of transparency-dev/merkle (see the fixture's header). */

const b64 = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'base64'));
const leaves = LEAF_INPUTS_HEX.map((hex) => rfc9162Hasher.hashLeaf(fromHex(hex)));

function buildStore(count: number): { store: MemoryNodeStore; frontier: MerkleFrontier } {
  const store = new MemoryNodeStore();
  const frontier = MerkleFrontier.empty();
  for (let i = 0; i < count; i++) frontier.append(leaves[i], store.put);
  return { store, frontier };
}

describe('RFC 9162 hashing against testonly/constants.go', () => {
  it('hashes the leaf inputs to the level-0 node hashes', () => {
    expect(leaves.map(toHex)).toEqual(NODE_HASHES_HEX[0]);
  });

  it('gives the published root for every size 0..8, from the definition, the frontier and the node store', () => {
    const { store } = buildStore(8);
    const frontier = MerkleFrontier.empty();
    for (let size = 0; size <= 8; size++) {
      expect(toHex(treeHead(leaves.slice(0, size)))).toBe(ROOT_HASHES_HEX[size]);
      expect(toHex(frontier.root())).toBe(ROOT_HASHES_HEX[size]);
      expect(toHex(treeHeadFromNodes(size, store.fetch))).toBe(ROOT_HASHES_HEX[size]);
      expect(frontier.state().hashes.map(toHex)).toEqual(COMPACT_TREES[size].map(([level, index]) => NODE_HASHES_HEX[level][index]));
      if (size < 8) frontier.append(leaves[size]);
    }
  });

  it('emits exactly the published perfect nodes to the node sink', () => {
    const seen: string[][] = [];
    const frontier = MerkleFrontier.empty();
    for (const leaf of leaves) {
      frontier.append(leaf, (level, index, hash) => {
        seen[level] ??= [];
        expect(seen[level].length).toBe(index);
        seen[level].push(toHex(hash));
      });
    }
    expect(seen).toEqual(NODE_HASHES_HEX);
  });
});

describe('inclusion probes of transparency-dev/merkle testdata/inclusion', () => {
  it.each(INCLUSION_PROBES.map((p) => [p.file, p] as const))('%s', (_file, probe) => {
    const result = verifyInclusion(b64(probe.leafHash), Number(probe.leafIdx), Number(probe.treeSize), probe.proof.map(b64), b64(probe.root));
    expect(result.ok).toBe(!probe.wantErr);
    if (!result.ok) expect(result.code).toMatch(/^MERKLE\.[A-Z_]+$/);
  });

  it('our generator reproduces every happy-path proof (over the 8 published leaves)', () => {
    const happy = INCLUSION_PROBES.filter((p) => !p.wantErr && Number(p.treeSize) > 1 && Number(p.treeSize) <= 8);
    expect(happy.length).toBeGreaterThan(3);
    const { store } = buildStore(8);
    for (const probe of happy) {
      const proof = inclusionProof(Number(probe.leafIdx), Number(probe.treeSize), store.fetch);
      expect(proof.map((p) => Buffer.from(p).toString('base64'))).toEqual(probe.proof);
    }
  });
});

describe('consistency probes of transparency-dev/merkle testdata/consistency', () => {
  it.each(CONSISTENCY_PROBES.map((p) => [p.file, p] as const))('%s', (_file, probe) => {
    const result = verifyConsistency(Number(probe.size1), Number(probe.size2), probe.proof.map(b64), b64(probe.root1), b64(probe.root2));
    expect(result.ok).toBe(!probe.wantErr);
    if (!result.ok) expect(result.code).toMatch(/^MERKLE\.[A-Z_]+$/);
  });

  it('our generator reproduces every happy-path proof (over the 8 published leaves)', () => {
    const happy = CONSISTENCY_PROBES.filter((p) => !p.wantErr && Number(p.size2) <= 8 && Number(p.size1) > 0 && p.size1 !== p.size2);
    expect(happy.length).toBeGreaterThan(3);
    const { store } = buildStore(8);
    for (const probe of happy) {
      expect(toHex(b64(probe.root2))).toBe(ROOT_HASHES_HEX[Number(probe.size2)]);
      const proof = consistencyProof(Number(probe.size1), Number(probe.size2), store.fetch);
      expect(proof.map((p) => Buffer.from(p).toString('base64'))).toEqual(probe.proof);
    }
  });
});
