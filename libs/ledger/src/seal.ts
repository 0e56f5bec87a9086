import { canonicalBytes } from './canonical-json';
import { ENVELOPE_VERSION, GENESIS_PREV, type EventDraft, type EventEnvelope, type UnsignedEnvelope } from './envelope';
import { describeUnsignedMalformation } from './envelope-shape';
import { LedgerError } from './errors';
import { toBase64Url, toHex, isSha256Hex, sha256 } from './hashing';
import { ED25519_SIGNATURE_BYTES, type Signer } from './keys';

/** Where the next event of a stream goes: its seq, and the hash it links to. */
export interface ChainHead {
  readonly seq: number;
  readonly prev: string;
}

export const GENESIS_HEAD: ChainHead = Object.freeze({ seq: 0, prev: GENESIS_PREV });

/** The head after `last` (the stream's newest envelope), or genesis for an empty stream. */
export function chainHeadAfter(last: Pick<EventEnvelope, 'seq' | 'hash'> | undefined): ChainHead {
  return last === undefined ? GENESIS_HEAD : { seq: last.seq + 1, prev: last.hash };
}

/**
 * Seal a draft at a chain position: hash = sha256(JCS(unsigned envelope)), sig = Ed25519 over
 * the 32 raw hash bytes. Only the envelope's own fields are copied from the draft, so a
 * richer object passed as a draft cannot smuggle extra fields into the signed bytes.
 * Throws LedgerError on a malformed draft or position; CanonicalJsonError on data JCS cannot encode.
 */
export function sealEvent<D extends object>(
  draft: EventDraft<D>,
  position: ChainHead,
  signer: Signer,
): EventEnvelope<D> {
  const hashed = hashEvent(draft, position, signer.kid);
  return withSignature(hashed, signer.sign(hashed.hashBytes));
}

/** An envelope at its chain position, hashed, waiting for its signature. */
export interface HashedEvent<D extends object = Record<string, unknown>> {
  unsigned: UnsignedEnvelope<D>;
  /** hex, as it goes into the envelope (and the next event's prev) */
  hash: string;
  /** the 32 bytes to sign */
  hashBytes: Uint8Array;
}

/**
 * The first half of sealEvent, everything but the signature: so that the chain can move on while
 * signatures are made elsewhere (the hash, which the next event links to, does not cover sig).
 */
export function hashEvent<D extends object>(draft: EventDraft<D>, position: ChainHead, kid: string): HashedEvent<D> {
  assertChainPosition(position);
  const unsigned: UnsignedEnvelope<D> = {
    v: ENVELOPE_VERSION,
    id: draft.id,
    type: draft.type,
    stream: draft.stream,
    seq: position.seq,
    org: draft.org,
    at: draft.at,
    actor: draft.actor,
    data: draft.data,
    payload: draft.payload ?? null,
    prev: position.prev,
    kid,
  };
  const problem = describeUnsignedMalformation(unsigned);
  if (problem) throw new LedgerError('LEDGER.MALFORMED_EVENT', `cannot seal ${draft.type}: ${problem}`);
  const hashBytes = sha256(canonicalBytes(unsigned));
  return { unsigned, hash: toHex(hashBytes), hashBytes };
}

/** The second half of sealEvent: the envelope with its Ed25519 signature over hashBytes. */
export function withSignature<D extends object>(hashed: HashedEvent<D>, signature: Uint8Array): EventEnvelope<D> {
  if (signature.length !== ED25519_SIGNATURE_BYTES) {
    throw new LedgerError('LEDGER.INVALID_SIGNATURE', `an Ed25519 signature has ${ED25519_SIGNATURE_BYTES} bytes, got ${signature.length}`);
  }
  return { ...hashed.unsigned, hash: hashed.hash, sig: toBase64Url(signature) };
}

/** Recompute an envelope's hash: sha256 of JCS of everything but `hash` and `sig`. */
export function envelopeHash(envelope: UnsignedEnvelope<object> | EventEnvelope<object>): string {
  return toHex(envelopeHashBytes(envelope));
}

export function envelopeHashBytes(envelope: UnsignedEnvelope<object> | EventEnvelope<object>): Uint8Array {
  const { hash: _hash, sig: _sig, ...unsigned } = envelope as EventEnvelope<object>;
  return sha256(canonicalBytes(unsigned));
}

function assertChainPosition({ seq, prev }: ChainHead): void {
  if (!Number.isSafeInteger(seq) || seq < 0) {
    throw new LedgerError('LEDGER.INVALID_CHAIN_POSITION', `seq must be an integer >= 0, got ${seq}`);
  }
  if (!isSha256Hex(prev)) {
    throw new LedgerError('LEDGER.INVALID_CHAIN_POSITION', 'prev must be 64 lowercase hex characters');
  }
  if ((seq === 0) !== (prev === GENESIS_PREV)) {
    throw new LedgerError('LEDGER.INVALID_CHAIN_POSITION', 'seq 0, and only seq 0, links to GENESIS_PREV');
  }
}
