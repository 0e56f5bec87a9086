import nacl from 'tweetnacl';
import type { BundleCrypto } from './bundle-crypto';
import { portableSha256 } from './portable-sha256';

/** Pure JavaScript: tweetnacl's Ed25519 and the portable SHA-256. Slow; for runtimes with neither node:crypto nor WebCrypto Ed25519. */
export const tweetnaclBundleCrypto: BundleCrypto = {
  name: 'tweetnacl',
  sha256: portableSha256,
  verifyEd25519(publicKey, message, signature) {
    if (publicKey.length !== nacl.sign.publicKeyLength || signature.length !== nacl.sign.signatureLength) return false;
    try {
      return nacl.sign.detached.verify(message, signature, publicKey);
    } catch {
      return false;
    }
  },
};
