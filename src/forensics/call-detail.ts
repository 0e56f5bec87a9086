import { toBase64 } from '@warden/ledger';
import type { AnchorStore } from '@warden/anchor-store';
import type { ForensicIndex, IndexedCall } from '@warden/forensic-index';
import type { PayloadStore } from '@warden/payload-store';
import type { AnchorProofs, InclusionProofView } from '../anchor/anchor-proofs';
import { WardenError } from '../common/warden-error';

export type PayloadView =
  | { status: 'present'; content: unknown }
  | { status: 'erased'; erasedAt: string; erasureEventId: string | null }
  | { status: 'missing' }
  | { status: 'unreadable' };

export type ProofView =
  | { status: 'included'; checkpoint: { size: number; rootHash: string; note: string }; inclusion: InclusionProofView }
  | { status: 'unavailable'; code: string };

export interface CallDetail {
  call: IndexedCall;
  /** The decrypted arguments (tool calls) and result; null where the call has none. */
  payloads: { arguments: PayloadView | null; result: PayloadView | null };
  /** Each event of the call, with its inclusion proof against the organisation's latest signed checkpoint. */
  proofs: Array<{ eventId: string; proof: ProofView }>;
}

/** The full record of one call: the index's row, its payloads read back, and proofs that its events are in the log. */
export class CallDetails {
  constructor(
    private readonly index: ForensicIndex,
    private readonly payloads: PayloadStore,
    private readonly anchors: AnchorStore,
    private readonly proofs: AnchorProofs,
  ) {}

  async of(org: string, call: IndexedCall): Promise<CallDetail> {
    const resultEvent = call.kind === 'mcp_request' ? call.events.decided : call.outcome?.startsWith('failed') ? null : call.events.outcome;
    const argumentsView = call.kind === 'tool_call' ? await this.payload(org, call.events.decided) : null;
    const resultView = resultEvent ? await this.payload(org, resultEvent) : null;
    const eventIds = [...new Set([call.events.decided, ...(call.events.outcome ? [call.events.outcome] : [])])];
    const checkpoint = await this.anchors.checkpoint(org);
    const proofs = [];
    for (const eventId of eventIds) proofs.push({ eventId, proof: await this.proof(org, eventId, checkpoint) });
    return { call, payloads: { arguments: argumentsView, result: resultView }, proofs };
  }

  private async payload(org: string, eventId: string): Promise<PayloadView> {
    const lookup = await this.payloads.get(org, eventId).catch(() => undefined);
    if (!lookup) return { status: 'unreadable' };
    if (lookup.status === 'present') return { status: 'present', content: lookup.content };
    if (lookup.status === 'erased') return { status: 'erased', erasedAt: lookup.erasedAt, erasureEventId: this.index.erasureOf(org, eventId) ?? null };
    return { status: 'missing' };
  }

  private async proof(org: string, eventId: string, checkpoint: Awaited<ReturnType<AnchorStore['checkpoint']>>): Promise<ProofView> {
    if (!checkpoint) return { status: 'unavailable', code: 'LOG.NO_CHECKPOINT' };
    try {
      const inclusion = await this.proofs.inclusion(org, eventId, checkpoint.size);
      return { status: 'included', checkpoint: { size: checkpoint.size, rootHash: toBase64(checkpoint.rootHash), note: checkpoint.note }, inclusion };
    } catch (error) {
      if (error instanceof WardenError) return { status: 'unavailable', code: error.code };
      throw error;
    }
  }
}
