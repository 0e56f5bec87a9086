import { AnchorStoreConflictError, type AnchorBatch } from './anchor-store.port';

/** The checks every adapter makes before it writes a batch (they keep a log append-only). */
export function checkBatch(batch: AnchorBatch, storedPosition: number, sizeOf: (log: string) => number, isLeaf: (eventId: string) => boolean): void {
  if (!Number.isSafeInteger(batch.position) || batch.position <= storedPosition) {
    throw new AnchorStoreConflictError(`the batch ends at position ${batch.position}, not after the stored position ${storedPosition}`);
  }
  const seen = new Set<string>();
  const logs = new Set<string>();
  for (const entry of batch.logs) {
    if (logs.has(entry.log)) throw new AnchorStoreConflictError(`log ${entry.log} appears twice in one batch`);
    logs.add(entry.log);
    let next = sizeOf(entry.log);
    for (const leaf of entry.leaves) {
      if (leaf.log !== entry.log) throw new AnchorStoreConflictError(`a leaf of log ${leaf.log} in the batch of log ${entry.log}`);
      if (leaf.index !== next) throw new AnchorStoreConflictError(`log ${entry.log}: leaf ${leaf.index} is not the next one (${next})`);
      if (seen.has(leaf.eventId) || isLeaf(leaf.eventId)) throw new AnchorStoreConflictError(`event ${leaf.eventId} is already a leaf`);
      if (leaf.position > batch.position) throw new AnchorStoreConflictError(`leaf at position ${leaf.position} beyond the batch's position ${batch.position}`);
      seen.add(leaf.eventId);
      next += 1;
    }
    if (entry.frontier.size !== next) throw new AnchorStoreConflictError(`log ${entry.log}: the frontier has size ${entry.frontier.size}, the leaves make ${next}`);
  }
}
