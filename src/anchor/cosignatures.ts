import { cosignatureV1Verifier, cosignaturesOf, formatSignedNote, openSignedNote, parseSignedNote, NoteError, type NoteVerifier } from '@warden/ledger';
import type { AnchorCheckpoint, AnchorCosignature, AnchorStore } from '@warden/anchor-store';
import { WardenError } from '../common/warden-error';

export interface CosignatureView {
  name: string;
  keyId: number;
  timestamp: number;
}

/**
 * Witness cosignatures (c2sp.org/tlog-cosignature, cosignature/v1) of an org's checkpoints:
 * accepted only from the configured witness keys, only over the stored checkpoint's exact body,
 * and only when every one of them verifies; served appended to the checkpoint's note.
 */
export class Cosignatures {
  private readonly witnesses: NoteVerifier[];

  constructor(
    private readonly anchors: AnchorStore,
    witnessKeys: readonly string[],
  ) {
    this.witnesses = witnessKeys.map((key) => cosignatureV1Verifier(key));
  }

  /** `submitted`: the checkpoint note with the witness's signature line(s), as a witness returns it. */
  async add(checkpoint: AnchorCheckpoint, submitted: unknown): Promise<CosignatureView[]> {
    if (this.witnesses.length === 0) throw new WardenError('forbidden', 'LOG.NO_WITNESSES', 'this deployment accepts no cosignatures (WARDEN_WITNESS_KEYS is empty)');
    if (typeof submitted !== 'string' || submitted.length > 64 * 1024) throw new WardenError('bad_request', 'LOG.INVALID_COSIGNATURE', 'the body is { "note": "<the cosigned checkpoint note>" }');
    let text: string;
    try {
      text = parseSignedNote(submitted).text;
    } catch (error) {
      throw new WardenError('bad_request', 'LOG.INVALID_COSIGNATURE', `not a signed note: ${(error as NoteError).message}`);
    }
    if (text !== parseSignedNote(checkpoint.note).text) {
      throw new WardenError('bad_request', 'LOG.COSIGNATURE_WRONG_CHECKPOINT', `the cosigned note is not this log's checkpoint of size ${checkpoint.size}`);
    }
    const opened = openSignedNote(submitted, this.witnesses);
    if (!opened.ok) {
      const code = opened.code === 'NOTE.NO_VERIFIED_SIGNATURE' ? 'LOG.UNKNOWN_WITNESS' : 'LOG.BAD_COSIGNATURE';
      throw new WardenError('bad_request', code, code === 'LOG.UNKNOWN_WITNESS' ? 'no cosignature by a configured witness key' : `a cosignature does not verify: ${opened.detail}`);
    }
    let views: CosignatureView[];
    try {
      views = cosignaturesOf(opened.verified, this.witnesses);
    } catch (error) {
      throw new WardenError('bad_request', 'LOG.BAD_COSIGNATURE', (error as Error).message);
    }
    const stored: AnchorCosignature[] = opened.verified.map((s) => ({ name: s.name, keyId: s.keyId, signature: s.signature }));
    await this.anchors.addCosignatures(checkpoint.log, checkpoint.size, stored);
    return views;
  }

  /** The checkpoint's note with the stored cosignatures appended, and who cosigned when. */
  async cosigned(checkpoint: AnchorCheckpoint): Promise<{ note: string; cosignatures: CosignatureView[] }> {
    const stored = await this.anchors.cosignatures(checkpoint.log, checkpoint.size);
    if (stored.length === 0) return { note: checkpoint.note, cosignatures: [] };
    const parsed = parseSignedNote(checkpoint.note);
    const note = formatSignedNote(parsed.text, [...parsed.signatures, ...stored]);
    const opened = openSignedNote(note, this.witnesses);
    return { note, cosignatures: opened.ok ? cosignaturesOf(opened.verified, this.witnesses) : [] };
  }
}
