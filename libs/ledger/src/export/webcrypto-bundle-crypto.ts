import type { BundleCrypto } from './bundle-crypto';
import { portableSha256 } from './portable-sha256';

/** The subset of WebCrypto's SubtleCrypto used here (a browser's, or Node's globalThis.crypto.subtle). */
export interface SubtleEd25519 {
  importKey(format: 'raw', keyData: Uint8Array, algorithm: { name: 'Ed25519' }, extractable: boolean, usages: ['verify']): Promise<unknown>;
  verify(algorithm: { name: 'Ed25519' }, key: unknown, signature: Uint8Array, data: Uint8Array): Promise<boolean>;
}

/** Ed25519 through WebCrypto (keys imported once per public key), SHA-256 portable (WebCrypto's digest is async only). */
export function webCryptoBundleCrypto(subtle: SubtleEd25519): BundleCrypto {
  const keys = new Map<string, Promise<unknown>>();
  const keyFor = (publicKey: Uint8Array): Promise<unknown> => {
    const id = Array.from(publicKey, (b) => b.toString(16).padStart(2, '0')).join('');
    let key = keys.get(id);
    if (!key) {
      key = subtle.importKey('raw', Uint8Array.from(publicKey), { name: 'Ed25519' }, false, ['verify']);
      keys.set(id, key);
    }
    return key;
  };
  return {
    name: 'webcrypto',
    sha256: portableSha256,
    async verifyEd25519(publicKey, message, signature) {
      if (publicKey.length !== 32 || signature.length !== 64) return false;
      try {
        return await subtle.verify({ name: 'Ed25519' }, await keyFor(publicKey), signature, message);
      } catch {
        return false;
      }
    },
  };
}

/** Does this runtime's WebCrypto verify Ed25519? (Probed by importing a key; false when it cannot.) */
export async function webCryptoHasEd25519(subtle: SubtleEd25519 | undefined): Promise<boolean> {
  if (!subtle) return false;
  try {
    await subtle.importKey('raw', new Uint8Array(32).fill(1), { name: 'Ed25519' }, false, ['verify']);
    return true;
  } catch {
    return false;
  }
}
