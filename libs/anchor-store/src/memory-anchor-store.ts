import type { FrontierState, NodeId } from '@warden/ledger';
import {
  AnchorStoreConflictError,
  nodeKey,
  type AnchorBatch,
  type AnchorCheckpoint,
  type AnchorCosignature,
  type AnchorLeaf,
  type AnchorState,
  type AnchorStore,
  type AnchorStreamHead,
} from './anchor-store.port';
import { checkBatch } from './check-batch';

/** The anchor store in memory: for unit tests and benchmarks. Same contract as the SQLite one. */
export class MemoryAnchorStore implements AnchorStore {
  private position = 0;
  private readonly frontiers = new Map<string, FrontierState>();
  private readonly heads = new Map<string, AnchorStreamHead>();
  private readonly leaves = new Map<string, AnchorLeaf>();
  private readonly nodeHashes = new Map<string, Map<string, Uint8Array>>();
  private readonly checkpoints = new Map<string, AnchorCheckpoint[]>();
  private readonly cosigned = new Map<string, Map<string, AnchorCosignature>>();

  async load(): Promise<AnchorState> {
    return {
      position: this.position,
      logs: new Map([...this.frontiers].map(([log, f]) => [log, copyFrontier(f)])),
      heads: new Map([...this.heads].map(([s, h]) => [s, { ...h }])),
    };
  }

  async commit(batch: AnchorBatch): Promise<void> {
    checkBatch(batch, this.position, (log) => this.frontiers.get(log)?.size ?? 0, (id) => this.leaves.has(id));
    for (const cp of batch.checkpoints) {
      if ((this.checkpoints.get(cp.log) ?? []).some((c) => c.size === cp.size)) throw new AnchorStoreConflictError(`log ${cp.log} already has a checkpoint at size ${cp.size}`);
    }
    for (const entry of batch.logs) {
      const nodes = this.nodeHashes.get(entry.log) ?? new Map<string, Uint8Array>();
      this.nodeHashes.set(entry.log, nodes);
      for (const n of entry.nodes) nodes.set(nodeKey(n.level, n.index), Uint8Array.from(n.hash));
      for (const leaf of entry.leaves) this.leaves.set(leaf.eventId, { ...leaf });
      this.frontiers.set(entry.log, copyFrontier(entry.frontier));
    }
    for (const [stream, head] of batch.heads) this.heads.set(stream, { ...head });
    for (const cp of batch.checkpoints) {
      const list = this.checkpoints.get(cp.log) ?? [];
      list.push({ ...cp, rootHash: Uint8Array.from(cp.rootHash) });
      this.checkpoints.set(cp.log, list);
    }
    this.position = batch.position;
  }

  async leafOf(eventId: string): Promise<AnchorLeaf | undefined> {
    const leaf = this.leaves.get(eventId);
    return leaf && { ...leaf };
  }

  async nodes(log: string, ids: readonly NodeId[]): Promise<Map<string, Uint8Array>> {
    const stored = this.nodeHashes.get(log);
    const found = new Map<string, Uint8Array>();
    for (const id of ids) {
      const hash = stored?.get(nodeKey(id.level, id.index));
      if (hash) found.set(nodeKey(id.level, id.index), Uint8Array.from(hash));
    }
    return found;
  }

  async checkpoint(log: string, size?: number): Promise<AnchorCheckpoint | undefined> {
    const list = this.checkpoints.get(log) ?? [];
    const found = size === undefined ? list.reduce<AnchorCheckpoint | undefined>((best, c) => (!best || c.size > best.size ? c : best), undefined) : list.find((c) => c.size === size);
    return found && { ...found, rootHash: Uint8Array.from(found.rootHash) };
  }

  async addCosignatures(log: string, size: number, cosignatures: readonly AnchorCosignature[]): Promise<void> {
    if (!(this.checkpoints.get(log) ?? []).some((c) => c.size === size)) throw new AnchorStoreConflictError(`log ${log} has no checkpoint at size ${size}`);
    const key = `${log}/${size}`;
    const stored = this.cosigned.get(key) ?? new Map<string, AnchorCosignature>();
    for (const c of cosignatures) stored.set(`${c.name}/${c.keyId}`, { ...c, signature: Uint8Array.from(c.signature) });
    this.cosigned.set(key, stored);
  }

  async cosignatures(log: string, size: number): Promise<AnchorCosignature[]> {
    return [...(this.cosigned.get(`${log}/${size}`)?.values() ?? [])].map((c) => ({ ...c, signature: Uint8Array.from(c.signature) }));
  }

  async close(): Promise<void> {}
}

function copyFrontier(f: FrontierState): FrontierState {
  return { size: f.size, hashes: f.hashes.map((h) => Uint8Array.from(h)) };
}
