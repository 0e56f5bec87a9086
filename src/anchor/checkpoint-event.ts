import { bytesEqual, ed25519NoteVerifier, fromHex, NOTE_SIG_ED25519, openCheckpoint, toBase64, type EventEnvelope } from '@warden/ledger';
import { CHECKPOINT_SIGNED, checkpointStream, type CheckpointSignedData } from './anchor.events';
import { orgOfOrigin } from './log-origin';

export type CheckpointEventCheck =
  | { ok: true; org: string; size: number; rootHash: Uint8Array; note: string }
  | { ok: false; detail: string };

export const isCheckpointEvent = (env: Pick<EventEnvelope, 'type'>): boolean => env.type === CHECKPOINT_SIGNED;

/**
 * Checks a CheckpointSigned event on its own (its envelope already verified): its data is well
 * formed, on its org's checkpoint stream, and the note is a tlog-checkpoint for `<…>/<org>`
 * signed by the key that signed the event, saying the same size and root as the data.
 * Whether the root is the log's root at that size is the caller's to check.
 */
export function checkCheckpointEvent(env: EventEnvelope, signerPublicKey: Uint8Array | undefined): CheckpointEventCheck {
  const data = env.data as Partial<CheckpointSignedData>;
  if (typeof data?.org !== 'string' || typeof data.note !== 'string' || typeof data.root !== 'string' || !Number.isSafeInteger(data.size) || (data.size as number) < 1) {
    return { ok: false, detail: 'a CheckpointSigned event needs data { org, size ≥ 1, root, note }' };
  }
  if (data.org !== env.org || env.stream !== checkpointStream(data.org)) return { ok: false, detail: `a checkpoint of ${data.org} recorded as ${env.org} on ${env.stream}` };
  if (!signerPublicKey) return { ok: false, detail: `signed by ${env.kid}, which is not a node key the root registered` };
  const origin = noteOrigin(data.note);
  if (!origin || orgOfOrigin(origin) !== data.org) return { ok: false, detail: `the note's origin ${origin ?? '(none)'} does not name organisation ${data.org}` };
  let verifier;
  try {
    verifier = ed25519NoteVerifier({ name: origin, keyId: 0, type: NOTE_SIG_ED25519, publicKey: signerPublicKey });
  } catch (error) {
    return { ok: false, detail: `the note's origin is not a key name: ${(error as Error).message}` };
  }
  const opened = openCheckpoint(data.note, { log: verifier });
  if (!opened.ok) return { ok: false, detail: `the note does not verify with the event's key: ${opened.code} — ${opened.detail}` };
  if (opened.checkpoint.size !== data.size || toBase64(opened.checkpoint.rootHash) !== data.root) {
    return { ok: false, detail: `the note says size ${opened.checkpoint.size}, root ${toBase64(opened.checkpoint.rootHash)}; the event ${data.size}, ${data.root}` };
  }
  return { ok: true, org: data.org, size: data.size as number, rootHash: opened.checkpoint.rootHash, note: data.note };
}

/** The leaf a ledger event contributes: its envelope hash (32 bytes). */
export function leafDataOf(env: Pick<EventEnvelope, 'hash'>): Uint8Array {
  return fromHex(env.hash);
}

export function sameRoot(a: Uint8Array, b: Uint8Array): boolean {
  return bytesEqual(a, b);
}

function noteOrigin(note: string): string | undefined {
  const end = note.indexOf('\n');
  return end > 0 ? note.slice(0, end) : undefined;
}
