import { consistencyProofPlan, inclusionProofPlan, planNodeIds, proofFromPlan, toBase64, type ProofPlan } from '@warden/ledger';
import { nodeKey, type AnchorStore } from '@warden/anchor-store';
import { WardenError } from '../common/warden-error';

export interface InclusionProofView {
  eventId: string;
  leafIndex: number;
  treeSize: number;
  /** H(0x00 ‖ event hash), base64. */
  leafHash: string;
  proof: string[];
}

export interface ConsistencyProofView {
  from: number;
  to: number;
  proof: string[];
}

/**
 * Inclusion and consistency proofs of an organisation's log, from the anchor store's committed
 * nodes: sizes up to what the anchor has committed. An event of another organisation is
 * unknown here (404), as is a size the log has not reached.
 */
export class AnchorProofs {
  constructor(
    private readonly anchors: AnchorStore,
    private readonly committedSize: (log: string) => number,
  ) {}

  async inclusion(log: string, eventId: string, size: number | undefined): Promise<InclusionProofView> {
    const leaf = await this.anchors.leafOf(eventId);
    if (!leaf || leaf.log !== log) throw new WardenError('not_found', 'LOG.UNKNOWN_EVENT', `no event ${eventId} in this organisation's log`);
    const treeSize = size ?? (await this.anchors.checkpoint(log))?.size ?? this.committedSize(log);
    this.assertReached(log, treeSize);
    if (leaf.index >= treeSize) {
      throw new WardenError('bad_request', 'LOG.EVENT_AFTER_SIZE', `event ${eventId} is leaf ${leaf.index}, not in the tree of size ${treeSize}`, { leafIndex: leaf.index });
    }
    const leafHash = (await this.anchors.nodes(log, [{ level: 0, index: leaf.index }])).get(nodeKey(0, leaf.index))!;
    const proof = await this.prove(log, inclusionProofPlan(leaf.index, treeSize));
    return { eventId, leafIndex: leaf.index, treeSize, leafHash: toBase64(leafHash), proof };
  }

  async consistency(log: string, from: number, to: number): Promise<ConsistencyProofView> {
    if (from < 1 || to < from) throw new WardenError('bad_request', 'LOG.INVALID_SIZE', 'a consistency proof needs 1 ≤ from ≤ to', { from, to });
    this.assertReached(log, to);
    return { from, to, proof: await this.prove(log, consistencyProofPlan(from, to)) };
  }

  private assertReached(log: string, size: number): void {
    const reached = this.committedSize(log);
    if (size < 1 || size > reached) throw new WardenError('not_found', 'LOG.SIZE_NOT_REACHED', `this organisation's log has ${reached} leaves (committed): no tree of size ${size}`, { size: reached });
  }

  private async prove(log: string, plan: ProofPlan): Promise<string[]> {
    const nodes = await this.anchors.nodes(log, planNodeIds(plan));
    return proofFromPlan(plan, (level, index) => nodes.get(nodeKey(level, index))).map(toBase64);
  }
}
