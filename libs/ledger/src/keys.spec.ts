import { generateKeyPairSync, verify } from 'node:crypto';
import { LedgerError } from './errors';
import { sha256Hex } from './hashing';
import {
  createEd25519Signer,
  generateEd25519KeyPair,
  keyIdOf,
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
