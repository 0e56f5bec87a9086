/**
 * The key-encryption key (KEK) behind the vault's envelope encryption: every credential version
 * has its own random data key, and only this port ever sees the KEK. A cloud KMS adapter is one
 * more implementation (wrap = KMS Encrypt with the AAD as its encryption context, unwrap = Decrypt).
 */
export interface KeyManager {
  /** Names the KEK (never derived reversibly from it): stored beside every wrapped key it made. */
  readonly keyId: string;
  /** Seals a data key; `aad` binds it to its record (organisation, server, version). */
  wrap(dataKey: Uint8Array, aad: Uint8Array): Promise<Buffer>;
  /** Throws unless `wrapped` was made by this KEK with this very `aad`. */
  unwrap(wrapped: Uint8Array, aad: Uint8Array): Promise<Buffer>;
}

export const KEY_MANAGER = Symbol('KEY_MANAGER');

/** A KEK that is missing, malformed or not the one the vault's keys were wrapped with: the node does not start. */
export class VaultKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VaultKeyError';
  }
}
