import { canonicalJsonOfParsed } from '../canonical-json';
import type { EventEnvelope } from '../envelope';
import { describeEnvelopeMalformation } from '../envelope-shape';
import type { BundleCrypto } from './bundle-crypto';
import { bytesOfBase64Url, bytesOfHex, hexOf, sameBytes, utf8 } from './bundle-bytes';
import type { BundleCheck } from './bundle-failure';

/** One envelope checked on its own, synchronously: shape and hash (the signature is checked apart, possibly asynchronously). */
export type EnvelopeShapeCheck =
  | { ok: true; env: EventEnvelope; hashBytes: Uint8Array; signature: Uint8Array }
  | { ok: false; check: BundleCheck; detail: string; eventId?: string };

export function checkEnvelopeLine(line: string, crypto: BundleCrypto): EnvelopeShapeCheck {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, check: 'MALFORMED', detail: 'the line is not JSON' };
  }
  const malformation = describeEnvelopeMalformation(value);
  const eventId = typeof (value as { id?: unknown })?.id === 'string' ? (value as { id: string }).id : undefined;
  if (malformation) return { ok: false, check: 'MALFORMED', detail: malformation, eventId };
  const env = value as EventEnvelope;
  const signature = bytesOfBase64Url(env.sig);
  if (!signature || signature.length !== 64) return { ok: false, check: 'MALFORMED', detail: 'sig is not 64 bytes of canonical base64url', eventId };
  const { hash: _hash, sig: _sig, ...unsigned } = env;
  let recomputed: Uint8Array;
  try {
    recomputed = crypto.sha256(utf8.encode(canonicalJsonOfParsed(unsigned)));
  } catch (error) {
    return { ok: false, check: 'MALFORMED', detail: `the envelope cannot be canonicalised: ${(error as Error).message}`, eventId };
  }
  // Compared as bytes (the shape check made env.hash 64 lower-case hex digits): no hex string per event.
  const hashBytes = bytesOfHex(env.hash);
  if (!hashBytes || !sameBytes(hashBytes, recomputed)) return { ok: false, check: 'HASH_MISMATCH', detail: `hash says ${env.hash}, the content hashes to ${hexOf(recomputed)}`, eventId };
  return { ok: true, env, hashBytes, signature };
}

/** The ledger's key id of a raw Ed25519 public key: "ed25519:" + the first 32 hex digits of its SHA-256. */
export function bundleKeyId(publicKey: Uint8Array, crypto: BundleCrypto): string {
  return `ed25519:${hexOf(crypto.sha256(publicKey)).slice(0, 32)}`;
}
