import { MerkleFrontier, rfc9162Hasher, type NodeSink } from '@warden/ledger';
import { AnchorStoreConflictError, nodeKey, type AnchorBatch, type AnchorNode, type AnchorStore } from '@warden/anchor-store';

export interface AnchorStoreUnderTest {
  store: AnchorStore;
  cleanup(): Promise<void>;
}

const leafData = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (n * 31 + i) & 0xff);

/** A batch of `count` leaves of `log` starting at `from` (leaf i ↔ event e-<log>-<i>, position base + i). */
function batchOf(log: string, frontier: MerkleFrontier, count: number, position: number): AnchorBatch {
  const nodes: AnchorNode[] = [];
  const sink: NodeSink = (level, index, hash) => nodes.push({ level, index, hash });
  const leaves = [];
  for (let i = 0; i < count; i++) {
    const index = frontier.size;
    frontier.appendData(leafData(index), sink);
    leaves.push({ log, index, eventId: `e-${log}-${index}`, position: position - count + 1 + i });
  }
  return { position, logs: [{ log, frontier: frontier.state(), nodes, leaves }], heads: [['s-1', { seq: count - 1, hash: 'ab'.repeat(32) }]], checkpoints: [] };
}

/** The contract every anchor store adapter honours (memory, SQLite). */
export function describeAnchorStoreContract(name: string, open: () => Promise<AnchorStoreUnderTest>): void {
  describe(`anchor store contract: ${name}`, () => {
    let t: AnchorStoreUnderTest;
    beforeEach(async () => {
      t = await open();
    });
    afterEach(async () => {
      await t.cleanup();
    });

    it('starts empty', async () => {
      const state = await t.store.load();
      expect(state.position).toBe(0);
      expect(state.logs.size).toBe(0);
      expect(state.heads.size).toBe(0);
      expect(await t.store.checkpoint('org-a')).toBeUndefined();
    });

    it('keeps what a batch committed: frontier, leaves, nodes, heads, position', async () => {
      const f = MerkleFrontier.empty();
      await t.store.commit(batchOf('a', f, 5, 10));
      const state = await t.store.load();
      expect(state.position).toBe(10);
      expect(MerkleFrontier.fromState(state.logs.get('a')!).root()).toEqual(f.root());
      expect(state.heads.get('s-1')).toEqual({ seq: 4, hash: 'ab'.repeat(32) });
      expect(await t.store.leafOf('e-a-3')).toEqual({ log: 'a', index: 3, eventId: 'e-a-3', position: 9 });
      expect(await t.store.leafOf('e-a-5')).toBeUndefined();
      const nodes = await t.store.nodes('a', [{ level: 0, index: 4 }, { level: 2, index: 0 }, { level: 1, index: 2 }]);
      expect(nodes.get(nodeKey(0, 4))).toEqual(rfc9162Hasher.hashLeaf(leafData(4)));
      expect(nodes.has(nodeKey(2, 0))).toBe(true);
      expect(nodes.has(nodeKey(1, 2))).toBe(false); // leaves 4..5 are not both there: not a perfect node yet
      expect((await t.store.nodes('b', [{ level: 0, index: 0 }])).size).toBe(0);
    });

    it('refuses a batch whose position is not after the stored one, and writes nothing of it', async () => {
      const f = MerkleFrontier.empty();
      await t.store.commit(batchOf('a', f, 2, 10));
      const stale = batchOf('a', f, 1, 10);
      await expect(t.store.commit(stale)).rejects.toBeInstanceOf(AnchorStoreConflictError);
      expect(await t.store.leafOf('e-a-2')).toBeUndefined();
      expect((await t.store.load()).logs.get('a')!.size).toBe(2);
    });

    it('refuses leaves that are not the next index (a log is never re-ordered or rewritten)', async () => {
      const f = MerkleFrontier.empty();
      await t.store.commit(batchOf('a', f, 2, 2));
      const again = batchOf('a', MerkleFrontier.empty(), 1, 3); // index 0 again
      await expect(t.store.commit({ ...again, logs: [{ ...again.logs[0], leaves: [{ ...again.logs[0].leaves[0], eventId: 'other' }] }] })).rejects.toThrow(/not the next one/);
      expect((await t.store.load()).position).toBe(2);
    });

    it('refuses an event id that is already a leaf, in any log', async () => {
      const f = MerkleFrontier.empty();
      await t.store.commit(batchOf('a', f, 1, 1));
      const b = batchOf('b', MerkleFrontier.empty(), 1, 2);
      b.logs[0].leaves[0].eventId = 'e-a-0';
      await expect(t.store.commit(b)).rejects.toThrow(/already a leaf/);
      expect((await t.store.load()).logs.has('b')).toBe(false);
    });

    it('refuses a frontier whose size disagrees with the leaves', async () => {
      const b = batchOf('a', MerkleFrontier.empty(), 2, 2);
      b.logs[0].frontier = { size: 3, hashes: b.logs[0].frontier.hashes };
      await expect(t.store.commit(b)).rejects.toThrow(/frontier has size 3/);
    });

    it('stores checkpoints by size and serves the latest; one per size', async () => {
      const f = MerkleFrontier.empty();
      const first = batchOf('a', f, 2, 2);
      first.checkpoints.push({ log: 'a', size: 2, rootHash: f.root(), note: 'n2', eventId: 'c-2', position: 2 });
      await t.store.commit(first);
      const second = batchOf('a', f, 2, 4);
      second.checkpoints.push({ log: 'a', size: 4, rootHash: f.root(), note: 'n4', eventId: 'c-4', position: 4 });
      await t.store.commit(second);
      expect((await t.store.checkpoint('a'))!.size).toBe(4);
      expect((await t.store.checkpoint('a', 2))!.note).toBe('n2');
      expect((await t.store.checkpoint('a', 3))).toBeUndefined();
      expect((await t.store.checkpoint('b'))).toBeUndefined();
      const dup = batchOf('a', f, 1, 5);
      dup.checkpoints.push({ log: 'a', size: 4, rootHash: f.root(), note: 'again', eventId: 'c-4b', position: 5 });
      await expect(t.store.commit(dup)).rejects.toThrow(/already has a checkpoint/);
      expect((await t.store.checkpoint('a', 4))!.note).toBe('n4');
    });

    it('keeps witnesses\u2019 cosignatures per checkpoint, one per witness key (a newer one replaces it)', async () => {
      const f = MerkleFrontier.empty();
      const b = batchOf('a', f, 2, 2);
      b.checkpoints.push({ log: 'a', size: 2, rootHash: f.root(), note: 'n2', eventId: 'c-2', position: 2 });
      await t.store.commit(b);
      const sig = (n: number) => new Uint8Array(72).fill(n);
      await t.store.addCosignatures('a', 2, [{ name: 'w1', keyId: 1, signature: sig(1) }, { name: 'w2', keyId: 2, signature: sig(2) }]);
      await t.store.addCosignatures('a', 2, [{ name: 'w1', keyId: 1, signature: sig(3) }]);
      expect(await t.store.cosignatures('a', 2)).toEqual([{ name: 'w1', keyId: 1, signature: sig(3) }, { name: 'w2', keyId: 2, signature: sig(2) }]);
      expect(await t.store.cosignatures('a', 3)).toEqual([]);
      await expect(t.store.addCosignatures('a', 3, [{ name: 'w1', keyId: 1, signature: sig(1) }])).rejects.toBeInstanceOf(AnchorStoreConflictError);
    });
  });
}
