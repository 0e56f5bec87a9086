import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { LedgerError } from './errors';
import { fromBase64Url, toBase64Url, sha256Hex } from './hashing';

/** Ed25519 keys through node:crypto. Raw public keys are the 32-byte RFC 8032 encoding. */

export const ED25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_SEED_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;
const KEY_ID_PREFIX = 'ed25519:';

export interface Ed25519KeyPair {
  publicKey: Uint8Array; // 32 raw bytes
  privateKeyPem: string; // PKCS#8
  publicKeyPem: string; // SPKI
  kid: string; // keyIdOf(publicKey)
}

/** Whoever seals events: a node key, or the deployment's root key. */
export interface Signer {
  readonly kid: string;
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

/** Key id = fingerprint of the raw public key: "ed25519:" + first 32 hex chars of its sha256. */
export function keyIdOf(publicKeyRaw: Uint8Array): string {
  assertRawPublicKey(publicKeyRaw);
  return KEY_ID_PREFIX + sha256Hex(publicKeyRaw).slice(0, 32);
}

export function generateEd25519KeyPair(): Ed25519KeyPair {
  const { publicKey: publicKeyPem, privateKey: privateKeyPem } = generateKeyPairSync('ed25519', {
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const publicKey = publicKeyFromPem(publicKeyPem);
  return { publicKey, privateKeyPem, publicKeyPem, kid: keyIdOf(publicKey) };
}

/** Raw 32-byte public key from an SPKI public-key PEM (a PKCS#8 private-key PEM also works). */
export function publicKeyFromPem(pem: string): Uint8Array {
  return rawPublicKeyFromKeyObject(createPublicKey(pem));
}

export function rawPublicKeyFromKeyObject(key: KeyObject): Uint8Array {
  assertEd25519(key);
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const { x } = publicKey.export({ format: 'jwk' });
  if (typeof x !== 'string') throw new LedgerError('LEDGER.INVALID_KEY', 'Ed25519 key without x');
  return fromBase64Url(x);
}

export function publicKeyObjectFromRaw(publicKeyRaw: Uint8Array): KeyObject {
  assertRawPublicKey(publicKeyRaw);
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: toBase64Url(publicKeyRaw) },
    format: 'jwk',
  });
}

export function publicKeyPemFromRaw(publicKeyRaw: Uint8Array): string {
  return publicKeyObjectFromRaw(publicKeyRaw).export({ type: 'spki', format: 'pem' }).toString();
}

/** The 32-byte RFC 8032 seed (JWK `d`) of a PKCS#8 private-key PEM. Handle with care. */
export function ed25519SeedFromPrivateKeyPem(privateKeyPem: string): Uint8Array {
  const key = createPrivateKey(privateKeyPem);
  assertEd25519(key);
  const { d } = key.export({ format: 'jwk' });
  if (typeof d !== 'string') throw new LedgerError('LEDGER.INVALID_KEY', 'Ed25519 key without d');
  return fromBase64Url(d);
}

/** A Signer over a PKCS#8 PEM. The KeyObject is parsed once: sign() is on the hot path. */
export function createEd25519Signer(privateKeyPem: string): Signer {
  const privateKey = createPrivateKey(privateKeyPem);
  assertEd25519(privateKey);
  const publicKey = rawPublicKeyFromKeyObject(privateKey);
  return {
    kid: keyIdOf(publicKey),
    publicKey,
    sign: (message) => sign(null, message, privateKey),
  };
}

function assertEd25519(key: KeyObject): void {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new LedgerError('LEDGER.INVALID_KEY', `expected an Ed25519 key, got ${key.asymmetricKeyType ?? key.type}`);
  }
}

function assertRawPublicKey(publicKeyRaw: Uint8Array): void {
  if (!(publicKeyRaw instanceof Uint8Array) || publicKeyRaw.length !== ED25519_PUBLIC_KEY_BYTES) {
    throw new LedgerError('LEDGER.INVALID_KEY', `an Ed25519 public key is ${ED25519_PUBLIC_KEY_BYTES} raw bytes`);
  }
}

/** How a human pins a public key: its kid, and the hex SHA-256 of the raw 32 bytes. */
export interface KeyFingerprint {
  kid: string;
  sha256: string;
}

export function fingerprintOf(publicKeyRaw: Uint8Array): KeyFingerprint {
  return { kid: keyIdOf(publicKeyRaw), sha256: sha256Hex(publicKeyRaw) };
}

const PIN_FORMS = /^(?:ed25519:[0-9a-f]{32}|[0-9a-f]{64})$/;

/** A pin is a kid (`ed25519:` + 32 hex) or the 64-hex SHA-256 of the raw key; case-insensitive. */
export function isKeyPin(pin: string): boolean {
  return PIN_FORMS.test(pin.trim().toLowerCase());
}

/** Does the key match the pin (a kid or a full SHA-256, see isKeyPin)? False for a malformed pin. */
export function matchesKeyPin(publicKeyRaw: Uint8Array, pin: string): boolean {
  const wanted = pin.trim().toLowerCase();
  if (!PIN_FORMS.test(wanted)) return false;
  const { kid, sha256 } = fingerprintOf(publicKeyRaw);
  return wanted === kid || wanted === sha256;
}
