import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { KeyManager } from './key-manager.port';

export const KEK_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * A KEK held in this process (read from a file or from the environment): data keys are wrapped
 * with AES-256-GCM under it, as iv ‖ tag ‖ ciphertext. The key id is `local:` + 16 hex chars of
 * SHA-256 over a label and the KEK (a 256-bit random key: the digest gives nothing away).
 */
export class LocalKeyManager implements KeyManager {
  readonly keyId: string;
  private readonly kek: Buffer;

  constructor(kek: Uint8Array) {
    if (kek.length !== KEK_BYTES) throw new RangeError(`a KEK is ${KEK_BYTES} bytes`);
    this.kek = Buffer.from(kek);
    this.keyId = `local:${createHash('sha256').update('warden-vault-kek-id\0').update(this.kek).digest('hex').slice(0, 16)}`;
  }

  async wrap(dataKey: Uint8Array, aad: Uint8Array): Promise<Buffer> {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.kek, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad);
    const ciphertext = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
  }

  async unwrap(wrapped: Uint8Array, aad: Uint8Array): Promise<Buffer> {
    const bytes = Buffer.from(wrapped);
    if (bytes.length <= IV_BYTES + TAG_BYTES) throw new Error('wrapped key too short');
    const decipher = createDecipheriv('aes-256-gcm', this.kek, bytes.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  }
}
