import { parseCheckpoint, type Checkpoint } from '../checkpoint/checkpoint';
import { noteKeyIdWith, NOTE_SIG_COSIGNATURE_V1, NOTE_SIG_ED25519 } from '../checkpoint/note-key-names';
import { parseSignedNote, type NoteSignature } from '../checkpoint/signed-note';
import type { BundleCrypto } from './bundle-crypto';
import { bytesOfBase64, utf8 } from './bundle-bytes';
import type { BundleKeyDirectory } from './bundle-keys';

/**
 * C2SP signed notes with the bundle's crypto (asynchronous Ed25519 allowed): the log's note
 * signature (c2sp.org/tlog-checkpoint, signed by a registered node key under the origin's name)
 * and witnesses' cosignature/v1 lines (c2sp.org/tlog-cosignature).
 */

export interface WitnessKey {
  name: string;
  keyId: number;
  publicKey: Uint8Array;
  vkey: string;
}

export function noteKeyIdOf(name: string, type: number, publicKey: Uint8Array, crypto: BundleCrypto): number {
  return noteKeyIdWith((bytes) => crypto.sha256(bytes), name, type, publicKey);
}

/** A witness's cosignature/v1 verifier key `<name>+<key id>+base64(0x04 ‖ key)`; throws Error naming what is wrong. */
export function parseWitnessKey(vkey: string, crypto: BundleCrypto): WitnessKey {
  const first = vkey.indexOf('+');
  const second = vkey.indexOf('+', first + 1);
  if (first <= 0 || second < 0) throw new Error(`witness key ${vkey}: not <name>+<key id>+<key>`);
  const name = vkey.slice(0, first);
  const idHex = vkey.slice(first + 1, second);
  const material = bytesOfBase64(vkey.slice(second + 1));
  if (!/^[0-9a-f]{8}$/.test(idHex) || !material || material.length !== 33 || material[0] !== NOTE_SIG_COSIGNATURE_V1) {
    throw new Error(`witness key ${vkey}: not a cosignature/v1 (type 0x04) Ed25519 verifier key`);
  }
  const publicKey = material.subarray(1);
  const keyId = noteKeyIdOf(name, NOTE_SIG_COSIGNATURE_V1, publicKey, crypto);
  if (keyId.toString(16).padStart(8, '0') !== idHex) throw new Error(`witness key ${vkey}: the key id does not match the key`);
  return { name, keyId, publicKey: Uint8Array.from(publicKey), vkey };
}

export type OpenedBundleCheckpoint =
  | { ok: true; checkpoint: Checkpoint; body: string; signedBy: string; cosignatures: Array<{ witness: string; timestamp: number }> }
  | { ok: false; check: 'CHECKPOINT_MALFORMED' | 'CHECKPOINT_SIGNATURE' | 'UNKNOWN_WITNESS' | 'BAD_COSIGNATURE'; detail: string };

/** Opens one checkpoint note: its body, the log's signature by a registered node key, every other line a known witness's valid cosignature. */
export async function openBundleCheckpoint(note: unknown, origin: string, keys: BundleKeyDirectory, witnesses: readonly WitnessKey[], crypto: BundleCrypto): Promise<OpenedBundleCheckpoint> {
  let text: string;
  let signatures: NoteSignature[];
  let checkpoint: Checkpoint;
  try {
    ({ text, signatures } = parseSignedNote(note as string));
    checkpoint = parseCheckpoint(text);
  } catch (error) {
    return { ok: false, check: 'CHECKPOINT_MALFORMED', detail: (error as Error).message };
  }
  if (checkpoint.origin !== origin) return { ok: false, check: 'CHECKPOINT_MALFORMED', detail: `a checkpoint of ${checkpoint.origin}, not of ${origin}` };
  const body = utf8.encode(text);
  let signedBy: string | undefined;
  const cosignatures: Array<{ witness: string; timestamp: number }> = [];
  for (const sig of signatures) {
    if (sig.name === origin) {
      const signer = [...keys.keys].find(([, key]) => noteKeyIdOf(origin, NOTE_SIG_ED25519, key.publicKey, crypto) === sig.keyId);
      if (!signer) return { ok: false, check: 'CHECKPOINT_SIGNATURE', detail: `the log signature's key id ${sig.keyId.toString(16).padStart(8, '0')} is no registered node key` };
      if (!(await crypto.verifyEd25519(signer[1].publicKey, body, sig.signature))) return { ok: false, check: 'CHECKPOINT_SIGNATURE', detail: `the log signature by ${signer[0]} does not verify` };
      signedBy = signer[0];
      continue;
    }
    const witness = witnesses.find((w) => w.name === sig.name && w.keyId === sig.keyId);
    const label = `${sig.name}+${sig.keyId.toString(16).padStart(8, '0')}`;
    if (!witness) return { ok: false, check: 'UNKNOWN_WITNESS', detail: `a cosignature by ${label}, which is not among the given witness keys` };
    const timestamp = cosignatureTime(sig.signature);
    const message = timestamp === undefined ? undefined : utf8.encode(`cosignature/v1\ntime ${timestamp}\n${text}`);
    if (!message || !(await crypto.verifyEd25519(witness.publicKey, message, sig.signature.subarray(8)))) {
      return { ok: false, check: 'BAD_COSIGNATURE', detail: `the cosignature by ${label} does not verify` };
    }
    cosignatures.push({ witness: label, timestamp: timestamp! });
  }
  if (!signedBy) return { ok: false, check: 'CHECKPOINT_SIGNATURE', detail: `no signature line by the log ${origin}` };
  return { ok: true, checkpoint, body: text, signedBy, cosignatures };
}

function cosignatureTime(signature: Uint8Array): number | undefined {
  if (signature.length !== 72) return undefined;
  const value = new DataView(signature.buffer, signature.byteOffset, 8).getBigUint64(0);
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(value);
}
