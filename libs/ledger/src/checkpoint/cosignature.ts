import { defaultEd25519, type Ed25519Backend } from './ed25519';
import { NoteError } from './errors';
import { assertKeyName, NOTE_SIG_COSIGNATURE_V1, noteKeyId, parseVerifierKey, type NoteSigner, type NoteVerifier, type VerifierKey } from './note-keys';
import { parseSignedNote, signNote, type NoteSignature } from './signed-note';

/**
 * c2sp.org/tlog-cosignature, Ed25519 cosignature/v1: a witness's note signature over a
 * checkpoint, key id type byte 0x04, signature bytes = u64 big-endian POSIX timestamp ‖ the
 * 64-byte Ed25519 signature of "cosignature/v1\ntime <timestamp>\n" + the checkpoint body.
 * Timestamps are whole seconds, at most 2^53 − 1 here (the spec allows up to 2^63 − 1).
 */

const HEADER = 'cosignature/v1\n';
const TIMESTAMP_BYTES = 8;
const ED25519_SIGNATURE_BYTES = 64;
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

export function cosignatureV1Message(timestamp: number, checkpointBody: string | Uint8Array): Uint8Array {
  assertTimestamp(timestamp);
  const body = typeof checkpointBody === 'string' ? checkpointBody : utf8Decoder.decode(checkpointBody);
  if (body.split('\n').length < 4 || !body.endsWith('\n')) throw new NoteError('COSIGNATURE.MALFORMED', 'a cosigned body has at least three newline-terminated lines');
  return utf8.encode(`${HEADER}time ${timestamp}\n${body}`);
}

/** The timestamp a cosignature/v1 signature carries (signature bytes after the key id). */
export function cosignatureTimestamp(signature: Uint8Array): number {
  if (signature.length !== TIMESTAMP_BYTES + ED25519_SIGNATURE_BYTES) {
    throw new NoteError('COSIGNATURE.MALFORMED', `a cosignature/v1 signature is ${TIMESTAMP_BYTES} + ${ED25519_SIGNATURE_BYTES} bytes`);
  }
  const value = new DataView(signature.buffer, signature.byteOffset, TIMESTAMP_BYTES).getBigUint64(0);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new NoteError('COSIGNATURE.MALFORMED', 'the cosignature timestamp is beyond 2^53 − 1');
  return Number(value);
}

/** A witness's signer; `now` gives the POSIX time in seconds (injected, as every clock here). */
export function cosignatureV1Signer(name: string, keyPair: { publicKey: Uint8Array; sign(message: Uint8Array): Uint8Array }, now: () => number): NoteSigner {
  assertKeyName(name);
  return {
    name,
    keyId: noteKeyId(name, NOTE_SIG_COSIGNATURE_V1, keyPair.publicKey),
    sign(text) {
      const timestamp = now();
      const signature = keyPair.sign(cosignatureV1Message(timestamp, text));
      const out = new Uint8Array(TIMESTAMP_BYTES + signature.length);
      new DataView(out.buffer).setBigUint64(0, BigInt(timestamp));
      out.set(signature, TIMESTAMP_BYTES);
      return out;
    },
  };
}

export function cosignatureV1SignerFromSeed(name: string, seed: Uint8Array, now: () => number, ed25519: Ed25519Backend = defaultEd25519): NoteSigner {
  return cosignatureV1Signer(name, ed25519.fromSeed(seed), now);
}

/** A verifier for a witness's cosignature/v1 key (vkey with type 0x04, or its parts). */
export function cosignatureV1Verifier(key: string | VerifierKey, ed25519: Ed25519Backend = defaultEd25519): NoteVerifier {
  const parsed = typeof key === 'string' ? parseVerifierKey(key) : key;
  if (parsed.type !== NOTE_SIG_COSIGNATURE_V1) throw new NoteError('NOTE.INVALID_KEY', 'not a cosignature/v1 key (type 0x04)');
  const check = ed25519.verifier(parsed.publicKey);
  return {
    name: parsed.name,
    keyId: noteKeyId(parsed.name, NOTE_SIG_COSIGNATURE_V1, parsed.publicKey),
    verify(text, signature) {
      try {
        const timestamp = cosignatureTimestamp(signature);
        return check(cosignatureV1Message(timestamp, text), signature.subarray(TIMESTAMP_BYTES));
      } catch {
        return false;
      }
    },
  };
}

/** Add a witness's cosignature to a signed checkpoint (replacing an earlier one by the same key). */
export function cosignCheckpoint(signedCheckpoint: string, cosigner: NoteSigner): string {
  const note = parseSignedNote(signedCheckpoint);
  return signNote(note.text, [cosigner], note.signatures);
}

/** The witnesses' cosignatures among a note's verified signatures, with their timestamps. */
export function cosignaturesOf(verified: readonly NoteSignature[], witnesses: readonly NoteVerifier[]): Array<{ name: string; keyId: number; timestamp: number }> {
  return verified
    .filter((s) => witnesses.some((w) => w.name === s.name && w.keyId === s.keyId))
    .map((s) => ({ name: s.name, keyId: s.keyId, timestamp: cosignatureTimestamp(s.signature) }));
}

function assertTimestamp(timestamp: number): void {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new NoteError('COSIGNATURE.MALFORMED', 'a cosignature timestamp is whole non-negative seconds');
}
