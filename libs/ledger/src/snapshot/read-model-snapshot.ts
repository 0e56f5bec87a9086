import { verify } from 'node:crypto';
import { canonicalJson } from '../canonical-json';
import { fromBase64Url, sha256, toBase64Url } from '../hashing';
import { publicKeyObjectFromRaw, type Signer } from '../keys';

/**
 * A read-model snapshot: what a node asserts it verified and computed from its ledger up to the
 * global position `position`, so that a restart replays and verifies only what came after it.
 * It is bound to the ledger twice: the event at `position` (id and hash), and a signed checkpoint
 * of that event's organisation log whose tree includes it (with the inclusion proof). The whole
 * body is signed by the node key under SNAPSHOT_SIGNATURE_DOMAIN, so that a snapshot signature
 * can never be taken for an event signature (Ed25519 over a 32-byte hash) or a signed note's
 * (text lines) or a cosignature's.
 */
export const READ_MODEL_SNAPSHOT_VERSION = 2;
/** The NUL byte makes the message impossible as note text; its length as a 32-byte event hash. */
export const SNAPSHOT_SIGNATURE_DOMAIN = 'warden/read-model-snapshot/v1\u0000';

export interface SnapshotStreamHead {
  seq: number;
  hash: string;
}

export interface SnapshotKey {
  kid: string;
  /** Global position of its root-signed registration. */
  position: number;
  /** Position of its revocation, if the root revoked it at or before the snapshot's position. */
  revokedAt?: number;
}

export interface SnapshotCheckpointBinding {
  /** The organisation log ('platform' for platform events) and the note's origin line. */
  log: string;
  origin: string;
  size: number;
  /** base64 of the tree's root hash, as in the note. */
  rootHash: string;
  /** The CheckpointSigned event that records it. */
  eventId: string;
  eventPosition: number;
  eventHash: string;
  /** Inclusion of the event at `position` in that tree: its leaf index and the RFC 9162 proof (base64). */
  leafIndex: number;
  proof: string[];
}

/**
 * Another organisation log's binding (v2): the last event of that log the read models applied at
 * or before the snapshot's position, and the latest signed checkpoint of that log whose tree
 * includes it, with the inclusion proof. So every log's events before P rest on a signed tree
 * head, not only on the snapshot's own signature.
 */
export interface SnapshotLogBinding extends Omit<SnapshotCheckpointBinding, 'log'> {
  log: string;
  /** The log's last applied event at or before the snapshot's position. */
  event: { position: number; id: string; hash: string };
}

export interface ReadModelSnapshotBody {
  v: typeof READ_MODEL_SNAPSHOT_VERSION;
  /** Global position of the last event the snapshot accounts for. */
  position: number;
  /** The event at `position`. */
  event: { id: string; hash: string; org: string };
  checkpoint: SnapshotCheckpointBinding;
  /** Every other organisation log the read models applied events of by `position`, bound the same way (sorted by log). */
  logs: SnapshotLogBinding[];
  /** Each participating read model's state (plain JSON), by name. */
  projections: Record<string, unknown>;
  /** The verified chain heads of the streams the read models read, as of `position`. */
  heads: Array<[stream: string, head: SnapshotStreamHead]>;
  /** The node keys the root had registered (and revoked) as of `position`. */
  keys: SnapshotKey[];
  /** When it was taken (RFC 3339), and by which key (the signer). */
  takenAt: string;
  kid: string;
}

/**
 * As stored: the canonical JSON text of the body (RFC 8785) and the signature over it. The text
 * is kept as signed, so checking a snapshot hashes the stored bytes (no re-encoding of a state of
 * megabytes) and what is then parsed is exactly what was signed.
 */
export interface SignedReadModelSnapshot {
  body: string;
  /** base64url Ed25519 signature over SNAPSHOT_SIGNATURE_DOMAIN ‖ sha256(body). */
  sig: string;
}

export function snapshotSigningMessage(bodyText: string): Uint8Array {
  return signingMessageOf(sha256(bodyText));
}

function signingMessageOf(digest: Uint8Array): Uint8Array {
  return Buffer.concat([Buffer.from(SNAPSHOT_SIGNATURE_DOMAIN, 'utf8'), digest]);
}

/**
 * RFC 8785 text of plain JSON data, fast: object keys sorted (UTF-16 code units, as JCS), and
 * V8's JSON.stringify for strings, numbers and arrays of them (its escaping and number
 * formatting are the ones JCS specifies).
 * Equal to canonicalJson for finite numbers and well-formed strings (what read-model states hold,
 * built from verified events); ~15× faster on a state of megabytes (the general encoder checks
 * every value first). Anything that is not plain data is refused by the general encoder's checks
 * on the small part of the body outside the states.
 */
export function snapshotJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new RangeError('a snapshot holds finite numbers only');
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) {
    // Arrays of primitives (most of a state's bulk) go to V8 in one call.
    if (value.every((v) => v === null || (typeof v !== 'object' && (typeof v !== 'number' || Number.isFinite(v))))) return JSON.stringify(value);
    return `[${value.map((v) => (v === undefined || typeof v === 'function' ? 'null' : snapshotJson(v))).join(',')}]`;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return snapshotJson((value as { toJSON: () => unknown }).toJSON());
  const parts: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined || typeof v === 'function') continue;
    parts.push(`${JSON.stringify(key)}:${snapshotJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

export function signReadModelSnapshot(body: ReadModelSnapshotBody, signer: Pick<Signer, 'sign'>): SignedReadModelSnapshot {
  const { projections, ...frame } = body;
  return signEncodedSnapshot(encodeSnapshotBody(frame, JSON.stringify(projections)), signer);
}

/** A snapshot body encoded (RFC 8785 text) with the SHA-256 its signature covers. */
export interface EncodedSnapshotBody {
  text: string;
  digest: Uint8Array;
}

/**
 * The expensive half of signing a snapshot, runnable on any thread (src/snapshots runs it on a
 * worker): the read models' states arrive as JSON text (V8's JSON.stringify on the capturing
 * thread, which also makes them plain data), are parsed, put in the frame and encoded
 * canonically, then hashed. The frame (everything but the states) is checked by the strict encoder.
 */
export function encodeSnapshotBody(frame: Omit<ReadModelSnapshotBody, 'projections'>, projectionsJson: string): EncodedSnapshotBody {
  canonicalJson({ ...frame, projections: {} });
  const projections: unknown = JSON.parse(projectionsJson);
  if (typeof projections !== 'object' || projections === null || Array.isArray(projections)) throw new TypeError('the snapshot states are not a JSON object');
  const text = snapshotJson({ ...frame, projections });
  return { text, digest: sha256(text) };
}

/** The cheap half: one Ed25519 signature over the domain prefix and the digest. */
export function signEncodedSnapshot(encoded: EncodedSnapshotBody, signer: Pick<Signer, 'sign'>): SignedReadModelSnapshot {
  return { body: encoded.text, sig: toBase64Url(signer.sign(signingMessageOf(encoded.digest))) };
}

/** False for any signature that is not the given key's over this exact text (never throws). */
export function verifyReadModelSnapshot(snapshot: SignedReadModelSnapshot, publicKeyRaw: Uint8Array): boolean {
  try {
    return verify(null, snapshotSigningMessage(snapshot.body), publicKeyObjectFromRaw(publicKeyRaw), fromBase64Url(snapshot.sig));
  } catch {
    return false;
  }
}

/** The signed text's body, once its signature has been checked; undefined when it is not a JSON object. */
export function parseSnapshotBody(snapshot: SignedReadModelSnapshot): Partial<ReadModelSnapshotBody> | undefined {
  try {
    const body: unknown = JSON.parse(snapshot.body);
    return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Partial<ReadModelSnapshotBody>) : undefined;
  } catch {
    return undefined;
  }
}
