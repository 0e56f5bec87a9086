/** Stable codes of the C2SP signed-note, tlog-checkpoint and tlog-cosignature code. */
export type NoteErrorCode =
  | 'NOTE.MALFORMED' // not a signed note as c2sp.org/signed-note defines it
  | 'NOTE.TOO_MANY_SIGNATURES' // more signature lines than MAX_NOTE_SIGNATURES
  | 'NOTE.INVALID_KEY_NAME' // empty, or with a Unicode space or a plus
  | 'NOTE.INVALID_KEY' // a verifier key (vkey) or private key that does not parse, or whose key id is wrong
  | 'NOTE.AMBIGUOUS_KEY' // two configured keys with the same name and key id, and a signature by one of them
  | 'NOTE.BAD_SIGNATURE' // a signature by a known key that does not verify: the whole note is rejected
  | 'NOTE.NO_VERIFIED_SIGNATURE' // no signature by any known key (or not by the key that was required)
  | 'CHECKPOINT.MALFORMED' // a note text that is not a c2sp.org/tlog-checkpoint body
  | 'CHECKPOINT.ORIGIN_MISMATCH' // a checkpoint of another log than the one expected
  | 'COSIGNATURE.MALFORMED'; // a cosignature/v1 signature that is not key id ‖ u64 timestamp ‖ 64-byte signature

export class NoteError extends Error {
  constructor(
    readonly code: NoteErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export interface NoteFailure {
  ok: false;
  code: NoteErrorCode;
  detail: string;
}

export function noteFailure(code: NoteErrorCode, detail: string): NoteFailure {
  return { ok: false, code, detail };
}
