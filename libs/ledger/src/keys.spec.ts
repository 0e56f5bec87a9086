import { generateKeyPairSync, verify } from 'node:crypto';
import { LedgerError } from './errors';
import { sha256Hex } from './hashing';
import {
  createEd25519Signer,
  fingerprintOf,
  generateEd25519KeyPair,
  isKeyPin,
  keyIdOf,
  matchesKeyPin,
  publicKeyFromPem,
  publicKeyObjectFromRaw,
  publicKeyPemFromRaw,
  rawPublicKeyFromKeyObject,
} from './keys';

describe('Ed25519 keys', () => {
  const pair = generateEd25519KeyPair();

  it('generates a 32-byte raw public key matching its PEMs', () => {
    expect(pair.publicKey).toHaveLength(32);
    expect(Buffer.from(publicKeyFromPem(pair.publicKeyPem))).toEqual(Buffer.from(pair.publicKey));
    expect(Buffer.from(publicKeyFromPem(pair.privateKeyPem))).toEqual(Buffer.from(pair.publicKey));
    expect(publicKeyPemFromRaw(pair.publicKey)).toBe(pair.publicKeyPem);
    expect(Buffer.from(rawPublicKeyFromKeyObject(publicKeyObjectFromRaw(pair.publicKey)))).toEqual(
      Buffer.from(pair.publicKey),
    );
  });

  it('names a key by the first 32 hex characters of the sha256 of its raw bytes', () => {
    expect(pair.kid).toBe(keyIdOf(pair.publicKey));
    expect(pair.kid).toBe(`ed25519:${sha256Hex(pair.publicKey).slice(0, 32)}`);
    expect(keyIdOf(new Uint8Array(32))).toBe('ed25519:66687aadf862bd776c8fc18b8e9f8e20');
    expect(keyIdOf(generateEd25519KeyPair().publicKey)).not.toBe(pair.kid);
  });

  it('refuses public keys that are not 32 bytes', () => {
    expect(() => keyIdOf(new Uint8Array(33))).toThrow(LedgerError);
    expect(() => publicKeyObjectFromRaw(new Uint8Array(31))).toThrow(LedgerError);
  });

  it('signs with the key it was given, under that key id', () => {
    const signer = createEd25519Signer(pair.privateKeyPem);
    const message = Buffer.from('hello');
    const signature = signer.sign(message);
    expect(signer.kid).toBe(pair.kid);
    expect(signature).toHaveLength(64);
    expect(verify(null, message, publicKeyObjectFromRaw(pair.publicKey), signature)).toBe(true);
  });

  it('refuses a private key that is not Ed25519', () => {
    const { privateKey } = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    expect(() => createEd25519Signer(privateKey)).toThrow(expect.objectContaining({ code: 'LEDGER.INVALID_KEY' }));
  });
});

describe('key fingerprints and pins', () => {
  const pair = generateEd25519KeyPair();
  const other = generateEd25519KeyPair();

  it('gives the kid and the full SHA-256 of the raw key', () => {
    const fp = fingerprintOf(pair.publicKey);
    expect(fp.kid).toBe(pair.kid);
    expect(fp.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(fp.kid).toBe(`ed25519:${fp.sha256.slice(0, 32)}`);
  });

  it('matches a pin given as the kid or the hex SHA-256, in any case, and nothing else', () => {
    const { kid, sha256 } = fingerprintOf(pair.publicKey);
    expect(matchesKeyPin(pair.publicKey, kid)).toBe(true);
    expect(matchesKeyPin(pair.publicKey, sha256.toUpperCase())).toBe(true);
    expect(matchesKeyPin(other.publicKey, kid)).toBe(false);
    expect(matchesKeyPin(other.publicKey, sha256)).toBe(false);
    expect(matchesKeyPin(pair.publicKey, sha256.slice(0, 32))).toBe(false); // a short prefix is not a pin
    expect(isKeyPin(sha256.slice(0, 32))).toBe(false);
    expect(isKeyPin(kid)).toBe(true);
  });
});
