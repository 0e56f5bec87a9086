import { MERKLE_HASH_BYTES } from '../merkle/hasher';
import { fromBase64, toBase64 } from './base64';
import { NoteError, noteFailure, type NoteFailure } from './errors';
import type { NoteSigner, NoteVerifier } from './note-keys';
import { openSignedNote, signNote, type NoteSignature } from './signed-note';

/**
 * c2sp.org/tlog-checkpoint v1 body: origin line, tree size in decimal (no leading zeros),
 * base64 root hash, then optional non-empty extension lines; every line ends in a newline.
 * Sizes are JavaScript safe integers (< 2^53); a larger size is refused as malformed.
 */
export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: Uint8Array;
  extensions: string[];
}

const DECIMAL = /^(?:0|[1-9][0-9]*)$/;

export function formatCheckpoint(checkpoint: Checkpoint): string {
  const { origin, size, rootHash, extensions = [] } = checkpoint;
  if (typeof origin !== 'string' || origin.length === 0 || origin.includes('\n')) throw malformed('the origin is one non-empty line');
  if (!Number.isSafeInteger(size) || size < 0) throw malformed('the tree size is a non-negative safe integer');
  if (!(rootHash instanceof Uint8Array) || rootHash.length !== MERKLE_HASH_BYTES) throw malformed(`the root hash is ${MERKLE_HASH_BYTES} bytes`);
  for (const line of extensions) if (typeof line !== 'string' || line.length === 0 || line.includes('\n')) throw malformed('extension lines are non-empty single lines');
  return [origin, String(size), toBase64(rootHash), ...extensions].map((line) => `${line}\n`).join('');
}

/** Strict parse of a checkpoint body (a note text); throws NoteError CHECKPOINT.MALFORMED. */
export function parseCheckpoint(body: string): Checkpoint {
  if (typeof body !== 'string' || !body.endsWith('\n')) throw malformed('a checkpoint body ends with a newline');
  const lines = body.slice(0, -1).split('\n');
  if (lines.length < 3) throw malformed('a checkpoint has an origin, a size and a root hash line');
  const [origin, sizeText, rootText, ...extensions] = lines;
  if (origin.length === 0) throw malformed('the origin line is empty');
  if (!DECIMAL.test(sizeText)) throw malformed('the tree size is a decimal without leading zeros');
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw malformed('the tree size is beyond 2^53 − 1');
  let rootHash: Uint8Array;
  try {
    rootHash = fromBase64(rootText, 'CHECKPOINT.MALFORMED');
  } catch (error) {
    throw malformed(`the root hash: ${(error as Error).message}`);
  }
  if (rootHash.length !== MERKLE_HASH_BYTES) throw malformed(`the root hash is ${MERKLE_HASH_BYTES} bytes`);
  if (extensions.some((line) => line.length === 0)) throw malformed('extension lines are non-empty');
  return { origin, size, rootHash, extensions };
}

/** The signed note of a checkpoint; the log's key name should be the origin. */
export function signCheckpoint(checkpoint: Checkpoint, signers: readonly NoteSigner[], keep: readonly NoteSignature[] = []): string {
  return signNote(formatCheckpoint(checkpoint), signers, keep);
}

export interface OpenedCheckpoint {
  ok: true;
  checkpoint: Checkpoint;
  body: string;
  /** The log's signature, then any witness signatures that verified. */
  verified: NoteSignature[];
  unverified: NoteSignature[];
}

export interface OpenCheckpointOptions {
  /** The log's key: its signature is required. */
  log: NoteVerifier;
  /** Expected origin line (defaults to the log key's name). */
  origin?: string;
  /** Further known keys (witnesses): their signatures must verify when present. */
  others?: readonly NoteVerifier[];
}

/** Verify a signed checkpoint: note signatures (the log's required), then the body, then the origin. Never throws. */
export function openCheckpoint(message: string | Uint8Array, options: OpenCheckpointOptions): OpenedCheckpoint | NoteFailure {
  const opened = openSignedNote(message, [options.log, ...(options.others ?? [])]);
  if (!opened.ok) return opened;
  if (!opened.verified.some((s) => s.name === options.log.name && s.keyId === options.log.keyId)) {
    return noteFailure('NOTE.NO_VERIFIED_SIGNATURE', `the checkpoint is not signed by the log key ${options.log.name}`);
  }
  let checkpoint: Checkpoint;
  try {
    checkpoint = parseCheckpoint(opened.text);
  } catch (error) {
    if (error instanceof NoteError) return noteFailure(error.code, error.message);
    throw error;
  }
  const origin = options.origin ?? options.log.name;
  if (checkpoint.origin !== origin) return noteFailure('CHECKPOINT.ORIGIN_MISMATCH', `the checkpoint is for ${checkpoint.origin}, not ${origin}`);
  const logFirst = [...opened.verified].sort((a, b) => Number(b.name === options.log.name && b.keyId === options.log.keyId) - Number(a.name === options.log.name && a.keyId === options.log.keyId));
  return { ok: true, checkpoint, body: opened.text, verified: logFirst, unverified: opened.unverified };
}

function malformed(detail: string): NoteError {
  return new NoteError('CHECKPOINT.MALFORMED', detail);
}
