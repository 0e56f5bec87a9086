import { bytesEqual } from '../merkle/hasher';
import { verifyConsistency } from '../merkle/verify';
import { openCheckpoint, type Checkpoint } from './checkpoint';
import { cosignCheckpoint } from './cosignature';
import type { NoteSigner, NoteVerifier } from './note-keys';
import { parseSignedNote } from './signed-note';

/**
 * A witness's decision on a new checkpoint of a log it follows (c2sp.org/tlog-witness): the log's
 * signature verifies, the witness's recorded size is the one the request starts from, the tree
 * did not shrink or change at the same size, and a consistency proof leads from the recorded root
 * to the new one. Only then does it cosign (cosignature/v1) and name the state to record. Pure:
 * the caller persists `next` BEFORE it hands out the cosignature.
 */

export type WitnessRefusalCode =
  | 'WITNESS.BAD_CHECKPOINT' // not a signed checkpoint, or not signed by the log's key, or of another origin
  | 'WITNESS.OLD_SIZE_MISMATCH' // the request starts from a size the witness has not recorded (409, with the recorded size)
  | 'WITNESS.ROLLBACK' // a smaller tree than the one already cosigned
  | 'WITNESS.FORK' // the recorded size with another root
  | 'WITNESS.INCONSISTENT'; // the consistency proof does not lead from the recorded root to the new one

export interface WitnessedState {
  size: number;
  rootHash: Uint8Array;
}

export interface WitnessRequest {
  /** The log's key; its name is the origin unless `origin` says otherwise. */
  log: NoteVerifier;
  origin?: string;
  /** What the witness recorded for this log (undefined: nothing yet, size 0). */
  recorded: WitnessedState | undefined;
  /** The size the requester believes the witness has recorded (tlog-witness `old`). */
  oldSize: number;
  /** The consistency proof from `oldSize` to the checkpoint's size. */
  proof: readonly Uint8Array[];
  /** The signed checkpoint note. */
  note: string;
}

export type WitnessDecision =
  | { ok: true; checkpoint: Checkpoint; next: WitnessedState; cosignedNote: string; cosignatureLines: string }
  | { ok: false; code: WitnessRefusalCode; detail: string; recordedSize: number };

export function decideWitnessCheckpoint(request: WitnessRequest, cosigner: NoteSigner): WitnessDecision {
  const recordedSize = request.recorded?.size ?? 0;
  const refuse = (code: WitnessRefusalCode, detail: string): WitnessDecision => ({ ok: false, code, detail, recordedSize });
  const opened = openCheckpoint(request.note, { log: request.log, ...(request.origin ? { origin: request.origin } : {}) });
  if (!opened.ok) return refuse('WITNESS.BAD_CHECKPOINT', `${opened.code}: ${opened.detail}`);
  const { checkpoint } = opened;
  const recorded = request.recorded;
  if (recorded && checkpoint.size < recorded.size) {
    return refuse('WITNESS.ROLLBACK', `size ${checkpoint.size} is smaller than the size ${recorded.size} already cosigned`);
  }
  if (recorded && checkpoint.size === recorded.size && !bytesEqual(checkpoint.rootHash, recorded.rootHash)) {
    return refuse('WITNESS.FORK', `size ${checkpoint.size} was cosigned with another root: the log forked`);
  }
  if (checkpoint.size < request.oldSize) return refuse('WITNESS.BAD_CHECKPOINT', `the old size ${request.oldSize} is beyond the checkpoint's size ${checkpoint.size}`);
  if (request.oldSize !== recordedSize) {
    return refuse('WITNESS.OLD_SIZE_MISMATCH', `the witness has recorded size ${recordedSize} for ${checkpoint.origin}, not ${request.oldSize}`);
  }
  if (recorded && checkpoint.size === recorded.size) {
    if (request.proof.length !== 0) return refuse('WITNESS.INCONSISTENT', 'a checkpoint of the recorded size takes an empty proof');
  } else if (recorded && recorded.size > 0) {
    const verified = verifyConsistency(recorded.size, checkpoint.size, request.proof, recorded.rootHash, checkpoint.rootHash);
    if (!verified.ok) return refuse('WITNESS.INCONSISTENT', `no consistency from size ${recorded.size} to ${checkpoint.size}: ${verified.code} ${verified.detail}`);
  } else if (request.proof.length !== 0) {
    return refuse('WITNESS.INCONSISTENT', 'a first checkpoint (old size 0) takes an empty proof');
  }
  // The cosigned note keeps the signatures it came with; the tlog-witness answer is our line alone.
  const cosignedNote = cosignCheckpoint(request.note, cosigner);
  const ours = parseSignedNote(cosignedNote).signatures.filter((s) => s.name === cosigner.name && s.keyId === cosigner.keyId);
  const cosignatureLines = ours.map((s) => `\u2014 ${s.name} ${s.base64}\n`).join('');
  return { ok: true, checkpoint, next: { size: checkpoint.size, rootHash: checkpoint.rootHash }, cosignedNote, cosignatureLines };
}
