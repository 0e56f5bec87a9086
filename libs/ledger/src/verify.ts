import { verify } from 'node:crypto';
import nacl from 'tweetnacl';
import type { EventEnvelope } from './envelope';
import { describeEnvelopeMalformation } from './envelope-shape';
import { fromBase64Url, fromHex } from './hashing';
import { ED25519_PUBLIC_KEY_BYTES, ED25519_SIGNATURE_BYTES } from './keys';
import { PublicKeyCache } from './public-key-cache';
import { envelopeHash } from './seal';

export type VerificationFailureReason = 'MALFORMED' | 'HASH_MISMATCH' | 'UNKNOWN_KEY' | 'BAD_SIGNATURE';
export type VerificationResult =
  | { ok: true }
  | { ok: false; reason: VerificationFailureReason; detail: string };

/**
 * Says that this exact signature over this exact hash was made by the checking process itself (a
 * node reading back what it just signed): the Ed25519 check would succeed, so it is skipped. Only
 * ever true for byte-equal (hash, sig) pairs the caller produced; the hash is still recomputed.
 */
export type SignatureVouch = (hash: string, sig: string) => boolean;

/** Public key (32 raw bytes) for a key id, or undefined when the id is not a known signer. */
export type KeyResolver = (kid: string) => Uint8Array | undefined;

const OK: VerificationResult = Object.freeze({ ok: true });
const defaultKeyCache = new PublicKeyCache();

/**
 * Verify one envelope on its own: shape, then hash, then key, then signature (in that order,
 * so a tampered kid reads as HASH_MISMATCH). Chain links are ChainVerifier's job.
 * A resolved key must have the kid as its fingerprint, else the result is UNKNOWN_KEY.
 */
export function verifyEnvelope(
  envelope: unknown,
  resolveKey: KeyResolver,
  keyCache: PublicKeyCache = defaultKeyCache,
  vouched?: SignatureVouch,
): VerificationResult {
  const malformation = describeEnvelopeMalformation(envelope);
  if (malformation) return fail('MALFORMED', malformation);
  const env = envelope as EventEnvelope;

  const signature = decodeSignature(env.sig);
  if (!signature) return fail('MALFORMED', `sig must be ${ED25519_SIGNATURE_BYTES} bytes of canonical unpadded base64url`);

  let recomputed: string;
  try {
    recomputed = envelopeHash(env);
  } catch (error) {
    return fail('MALFORMED', `envelope cannot be canonicalised: ${(error as Error).message}`);
  }
  if (recomputed !== env.hash) return fail('HASH_MISMATCH', `hash says ${env.hash}, content hashes to ${recomputed}`);

  const raw = resolveKey(env.kid);
  if (raw === undefined) return fail('UNKNOWN_KEY', `no public key for ${env.kid}`);
  if (!(raw instanceof Uint8Array) || raw.length !== ED25519_PUBLIC_KEY_BYTES) {
    return fail('UNKNOWN_KEY', `the key resolved for ${env.kid} is not a ${ED25519_PUBLIC_KEY_BYTES}-byte Ed25519 key`);
  }
  const keyObject = keyCache.keyObjectFor(env.kid, raw);
  if (!keyObject) return fail('UNKNOWN_KEY', `the key resolved for ${env.kid} has a different fingerprint`);
  if (vouched?.(env.hash, env.sig)) return OK;

  let valid: boolean;
  try {
    valid = verify(null, fromHex(env.hash), keyObject, signature);
  } catch {
    valid = false;
  }
  return valid ? OK : fail('BAD_SIGNATURE', `signature does not verify under ${env.kid}`);
}

/**
 * Portable check of one envelope signature with tweetnacl (pure JS), for runtimes without
 * native Ed25519. Slow; not for hot paths. False on any malformed input.
 */
export function verifySignatureTweetnacl(hashHex: string, sigB64url: string, publicKeyRaw: Uint8Array): boolean {
  try {
    const signature = fromBase64Url(sigB64url);
    const message = fromHex(hashHex);
    if (signature.length !== nacl.sign.signatureLength) return false;
    if (publicKeyRaw.length !== nacl.sign.publicKeyLength) return false;
    return nacl.sign.detached.verify(message, signature, publicKeyRaw);
  } catch {
    return false;
  }
}

function decodeSignature(sig: string): Uint8Array | undefined {
  try {
    const bytes = fromBase64Url(sig);
    return bytes.length === ED25519_SIGNATURE_BYTES ? bytes : undefined;
  } catch {
    return undefined;
  }
}

function fail(reason: VerificationFailureReason, detail: string): VerificationResult {
  return { ok: false, reason, detail };
}
