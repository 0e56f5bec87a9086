/**
 * What the export verifier needs of cryptography, injected so that its core imports no Node
 * module: a synchronous SHA-256 and an Ed25519 check (synchronous, or asynchronous as WebCrypto's).
 * Adapters: node-bundle-crypto.ts (node:crypto), webcrypto-bundle-crypto.ts (WebCrypto Ed25519 +
 * a portable SHA-256), tweetnacl-bundle-crypto.ts (pure JS); choose-bundle-crypto.ts picks one
 * at run time.
 */
export interface BundleCrypto {
  readonly name: 'node:crypto' | 'webcrypto' | 'tweetnacl';
  sha256(bytes: Uint8Array): Uint8Array;
  /** False (never a throw) for any bad key, signature or message. */
  verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean | Promise<boolean>;
}
