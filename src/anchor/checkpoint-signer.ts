import { ed25519NoteSigner, formatVerifierKey, NOTE_SIG_ED25519, signCheckpoint, toBase64, type Signer } from '@warden/ledger';
import type { LedgerWriter } from '../ledger/ledger-writer';
import { CHECKPOINT_SIGNED, checkpointStream, type CheckpointSignedData } from './anchor.events';
import { originOf } from './log-origin';

export interface CheckpointRequest {
  log: string;
  size: number;
  rootHash: Uint8Array;
}

/**
 * Signs an org log's tree head as a C2SP tlog-checkpoint in a signed note (key name = origin,
 * this node's key) and records it as a CheckpointSigned event on `checkpoints-<org>`.
 */
export class CheckpointSigner {
  constructor(
    private readonly deployment: string,
    private readonly signer: Pick<Signer, 'publicKey' | 'sign'>,
    private readonly writer: Pick<LedgerWriter, 'append'>,
    private readonly nodeId: string,
  ) {}

  origin(log: string): string {
    return originOf(this.deployment, log);
  }

  /** The note verifier key (vkey) of an org's log. */
  verifierKey(log: string): string {
    return formatVerifierKey(this.origin(log), NOTE_SIG_ED25519, this.signer.publicKey);
  }

  note(request: CheckpointRequest): string {
    const origin = this.origin(request.log);
    return signCheckpoint({ origin, size: request.size, rootHash: request.rootHash, extensions: [] }, [ed25519NoteSigner(origin, this.signer)]);
  }

  async sign(request: CheckpointRequest): Promise<void> {
    const data: CheckpointSignedData = { org: request.log, size: request.size, root: toBase64(request.rootHash), note: this.note(request) };
    await this.writer.append(checkpointStream(request.log), [
      { type: CHECKPOINT_SIGNED, org: request.log, actor: { kind: 'node', id: this.nodeId }, data: data as unknown as Record<string, unknown> },
    ]);
  }
}
