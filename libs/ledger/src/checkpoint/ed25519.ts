import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import nacl from 'tweetnacl';
import { ED25519_PUBLIC_KEY_BYTES, ED25519_SEED_BYTES, ED25519_SIGNATURE_BYTES, publicKeyObjectFromRaw } from '../keys';
import { NoteError } from './errors';

/**
 * Ed25519 for notes: node:crypto (native) by default, tweetnacl (pure JS) as the portable
 * fallback for runtimes without it. Both are deterministic RFC 8032, so they sign alike.
 */
export interface Ed25519Backend {
  /** A verify function bound to one 32-byte public key (parsed once). False on any bad input. */
  verifier(publicKey: Uint8Array): (message: Uint8Array, signature: Uint8Array) => boolean;
  /** A key pair from a 32-byte RFC 8032 seed. */
  fromSeed(seed: Uint8Array): { publicKey: Uint8Array; sign(message: Uint8Array): Uint8Array };
}

const PKCS8_ED25519_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);

export const nodeEd25519: Ed25519Backend = {
  verifier(publicKey) {
    assertPublicKey(publicKey);
    const key: KeyObject = publicKeyObjectFromRaw(publicKey);
    return (message, signature) => {
      if (signature.length !== ED25519_SIGNATURE_BYTES) return false;
      try {
        return verify(null, message, key, signature);
      } catch {
        return false;
      }
    };
  },
  fromSeed(seed) {
    assertSeed(seed);
    const der = new Uint8Array(PKCS8_ED25519_PREFIX.length + seed.length);
    der.set(PKCS8_ED25519_PREFIX);
    der.set(seed, PKCS8_ED25519_PREFIX.length);
    const privateKey = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
    const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
    const publicKey = Uint8Array.from(Buffer.from(String(jwk.x), 'base64url'));
    return { publicKey, sign: (message) => Uint8Array.from(sign(null, message, privateKey)) };
  },
};

export const tweetnaclEd25519: Ed25519Backend = {
  verifier(publicKey) {
    assertPublicKey(publicKey);
    const key = Uint8Array.from(publicKey);
    return (message, signature) => {
      if (signature.length !== ED25519_SIGNATURE_BYTES) return false;
      try {
        return nacl.sign.detached.verify(message, signature, key);
      } catch {
        return false;
      }
    };
  },
  fromSeed(seed) {
    assertSeed(seed);
    const pair = nacl.sign.keyPair.fromSeed(Uint8Array.from(seed));
    return { publicKey: pair.publicKey, sign: (message) => nacl.sign.detached(message, pair.secretKey) };
  },
};

export const defaultEd25519: Ed25519Backend = nodeEd25519;

function assertSeed(seed: Uint8Array): void {
  if (!(seed instanceof Uint8Array) || seed.length !== ED25519_SEED_BYTES) throw new NoteError('NOTE.INVALID_KEY', `an Ed25519 seed is ${ED25519_SEED_BYTES} bytes`);
}

function assertPublicKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== ED25519_PUBLIC_KEY_BYTES) throw new NoteError('NOTE.INVALID_KEY', `an Ed25519 public key is ${ED25519_PUBLIC_KEY_BYTES} bytes`);
}
