import { createHash, verify, type KeyObject } from 'node:crypto';
import { publicKeyObjectFromRaw } from '../keys';
import type { BundleCrypto } from './bundle-crypto';

/** node:crypto: native SHA-256 and Ed25519 (the fast path of `warden verify-export`). */
export function nodeBundleCrypto(): BundleCrypto {
  const keys = new Map<string, KeyObject>();
  return {
    name: 'node:crypto',
    sha256: (bytes) => createHash('sha256').update(bytes).digest(),
    verifyEd25519(publicKey, message, signature) {
      if (publicKey.length !== 32 || signature.length !== 64) return false;
      try {
        const id = Buffer.from(publicKey).toString('hex');
        let key = keys.get(id);
        if (!key) {
          key = publicKeyObjectFromRaw(publicKey);
          keys.set(id, key);
        }
        return verify(null, message, key, signature);
      } catch {
        return false;
      }
    },
  };
}
