import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const AES_256_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface SealedBox {
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

/** AES-256-GCM with a fresh random 96-bit IV; `aad` is authenticated, not stored. */
export function seal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): SealedBox {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, ciphertext, tag: cipher.getAuthTag() };
}

/** Throws if the key, the AAD, the IV, the ciphertext or the tag is not the one sealed. */
export function open(key: Uint8Array, box: SealedBox, aad: Uint8Array): Buffer {
  if (box.iv.length !== IV_BYTES || box.tag.length !== TAG_BYTES) throw new Error('malformed AES-GCM box');
  const decipher = createDecipheriv('aes-256-gcm', key, box.iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(box.tag);
  return Buffer.concat([decipher.update(box.ciphertext), decipher.final()]);
}

/** One blob: iv ‖ tag ‖ ciphertext (for small values such as wrapped keys). */
export function packBox(box: SealedBox): Buffer {
  return Buffer.concat([box.iv, box.tag, box.ciphertext]);
}

export function unpackBox(packed: Uint8Array): SealedBox {
  const bytes = Buffer.from(packed);
  if (bytes.length < IV_BYTES + TAG_BYTES) throw new Error('packed AES-GCM box too short');
  return {
    iv: bytes.subarray(0, IV_BYTES),
    tag: bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES),
    ciphertext: bytes.subarray(IV_BYTES + TAG_BYTES),
  };
}
