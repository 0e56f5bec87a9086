/** What `verifyExportBundle` checks; a failure names one of these, the file, and where in it. */
export type BundleCheck =
  | 'FILE_MISSING' // a file the format requires, or the manifest lists, is absent
  | 'FILE_DIGEST' // a file's bytes are not the ones the manifest digests (truncated, edited)
  | 'MANIFEST' // the manifest is not a version 1 or 2 manifest, or its counts disagree with the files
  | 'MANIFEST_SIGNATURE' // a version 2 manifest not signed by a node key of the bundle, valid when it was created
  | 'ROOT_KEY' // the bundle's root public key is not the pinned one
  | 'KEY_EVENT' // a key registration / revocation that is malformed, not by the root, or out of chain
  | 'MALFORMED' // a line that is not JSON or not an envelope
  | 'WRONG_ORG' // an event of another organisation
  | 'DUPLICATE_EVENT' // an event id seen before
  | 'HASH_MISMATCH' // the envelope's content does not hash to its hash (an edited field)
  | 'UNKNOWN_KEY' // signed by a key the root never registered
  | 'KEY_NOT_YET_REGISTERED' // signed before its key was registered
  | 'KEY_REVOKED' // signed after its key was revoked
  | 'ROOT_SIGNED_EVENT' // an organisation event signed by the root key
  | 'BAD_SIGNATURE' // the Ed25519 signature does not verify
  | 'SEQ_GAP' // an event of the stream is missing (dropped)
  | 'SEQ_DUPLICATE_OR_REORDERED'
  | 'PREV_MISMATCH' // the chain link does not match the previous event's hash
  | 'STREAM_MISMATCH'
  | 'PAYLOAD_MISSING' // an event with a payload has no payload line
  | 'PAYLOAD_MISMATCH' // a payload line that contradicts its event (digest, unknown event)
  | 'PAYLOAD_DIGEST' // included content (with its salt) that does not hash to the event's payload digest
  | 'PAYLOAD_ERASURE' // an erased payload without a valid signed erasure naming it
  | 'CHECKPOINT_MALFORMED' // not a C2SP signed note holding a tlog-checkpoint of this log
  | 'CHECKPOINT_SIGNATURE' // no valid signature by a registered node key under the log's origin
  | 'CHECKPOINT_ROLLBACK' // a checkpoint not larger than the one before it
  | 'CHECKPOINT_MISMATCH' // the events do not reproduce the signed root (inclusion / consistency)
  | 'CHECKPOINT_EVENT' // the checkpoint differs from the CheckpointSigned event that recorded it
  | 'NOT_COVERED' // events (or tail leaves) beyond the last checkpoint
  | 'UNKNOWN_WITNESS' // a cosignature by a witness key not in the given list
  | 'BAD_COSIGNATURE'; // a cosignature by a given witness key that does not verify

export interface BundleFailure {
  check: BundleCheck;
  file: string;
  /** 1-based line of a .jsonl file. */
  line?: number;
  eventId?: string;
  detail: string;
}

export class BundleFailureError extends Error {
  constructor(readonly failure: BundleFailure) {
    super(formatBundleFailure(failure));
  }
}

export function formatBundleFailure(f: BundleFailure): string {
  const where = [f.file + (f.line !== undefined ? `:${f.line}` : ''), f.eventId ? `event ${f.eventId}` : undefined].filter(Boolean).join(', ');
  return `${f.check} at ${where}: ${f.detail}`;
}
