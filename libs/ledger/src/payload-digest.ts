import { createHash, randomBytes } from 'node:crypto';
import { canonicalBytes } from './canonical-json';
import { LedgerError } from './errors';

/**
 * Digest of sensitive content kept out of the envelope: hex sha256(salt ‖ JCS(content)).
 * The random salt lives beside the ciphertext in the payload store; erasing both leaves a
 * digest nobody can confirm a guess against.
 */
export const PAYLOAD_SALT_BYTES = 16;

export function newPayloadSalt(): Uint8Array {
  return randomBytes(PAYLOAD_SALT_BYTES);
}

/** Throws LedgerError for a salt shorter than 16 bytes (a short salt makes guesses cheap). */
export function payloadDigest(salt: Uint8Array, content: unknown): string {
  return payloadDigestOfCanonical(salt, canonicalBytes(content));
}

/** The same digest over content already in its canonical (RFC 8785) bytes: canonicalise once. */
export function payloadDigestOfCanonical(salt: Uint8Array, canonical: Uint8Array): string {
  if (!(salt instanceof Uint8Array) || salt.length < PAYLOAD_SALT_BYTES) {
    throw new LedgerError('LEDGER.INVALID_SALT', `a payload salt is at least ${PAYLOAD_SALT_BYTES} bytes`);
  }
  return createHash('sha256').update(salt).update(canonical).digest('hex');
}
