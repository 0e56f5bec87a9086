import { randomBytes, randomUUID } from 'node:crypto';
import nacl from 'tweetnacl';
import { toBase64Url, fromHex } from './hashing';
import { createEd25519Signer, ed25519SeedFromPrivateKeyPem, generateEd25519KeyPair } from './keys';
import { sealEvent } from './seal';
import { draftFixture } from './testing/event-fixtures';
import { verifySignatureTweetnacl } from './verify';

/** node:crypto (OpenSSL) and tweetnacl must agree byte for byte: Ed25519 is deterministic. */
describe('Ed25519 interoperability: node:crypto and tweetnacl', () => {
  const keyPairs = Array.from({ length: 4 }, () => generateEd25519KeyPair());

  it('derives the same public key from the PEM seed', () => {
    for (const pair of keyPairs) {
      const seed = ed25519SeedFromPrivateKeyPem(pair.privateKeyPem);
      expect(seed).toHaveLength(32);
      expect(Buffer.from(nacl.sign.keyPair.fromSeed(seed).publicKey)).toEqual(Buffer.from(pair.publicKey));
    }
  });

  it('verifies node:crypto signatures with tweetnacl and produces identical signatures, over many envelopes', () => {
    // tweetnacl is pure JS (~100 ms per sign + verify under jest here): 24 envelopes keep this short.
    const signers = keyPairs.map((pair) => ({
      pair,
      signer: createEd25519Signer(pair.privateKeyPem),
      naclKeys: nacl.sign.keyPair.fromSeed(ed25519SeedFromPrivateKeyPem(pair.privateKeyPem)),
    }));
    for (let i = 0; i < 24; i++) {
      const { pair, signer, naclKeys } = signers[i % signers.length];
      const env = sealEvent(
        draftFixture({
          id: randomUUID(),
          data: { n: i, blob: randomBytes(1 + (i % 40)).toString('base64'), nested: { ok: i % 2 === 0 } },
        }),
        { seq: i + 1, prev: randomBytes(32).toString('hex') },
        signer,
      );
      expect(verifySignatureTweetnacl(env.hash, env.sig, pair.publicKey)).toBe(true);

      const naclSig = nacl.sign.detached(fromHex(env.hash), naclKeys.secretKey);
      expect(toBase64Url(naclSig)).toBe(env.sig);
    }
  });

  it('rejects with tweetnacl what it must reject', () => {
    const [pair, otherPair] = keyPairs;
    const env = sealEvent(draftFixture(), { seq: 1, prev: 'ab'.repeat(32) }, createEd25519Signer(pair.privateKeyPem));
    const otherHash = (env.hash[0] === 'a' ? 'b' : 'a') + env.hash.slice(1);
    expect(verifySignatureTweetnacl(otherHash, env.sig, pair.publicKey)).toBe(false);
    expect(verifySignatureTweetnacl(env.hash, env.sig, otherPair.publicKey)).toBe(false);
    expect(verifySignatureTweetnacl(env.hash, env.sig.slice(2), pair.publicKey)).toBe(false);
    expect(verifySignatureTweetnacl('not hex', env.sig, pair.publicKey)).toBe(false);
    expect(verifySignatureTweetnacl(env.hash, env.sig, pair.publicKey.subarray(1))).toBe(false);
  });
});
