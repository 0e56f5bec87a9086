import { GENESIS_PREV, type EventEnvelope } from './envelope';
import { toBase64Url, sha256Hex } from './hashing';
import { createEd25519Signer, generateEd25519KeyPair, type Signer } from './keys';
import { envelopeHash, sealEvent } from './seal';
import { draftFixture } from './testing/event-fixtures';
import { verifyEnvelope, type KeyResolver } from './verify';

function resolverFor(...signers: Signer[]): KeyResolver {
  const keys = new Map(signers.map((s) => [s.kid, s.publicKey]));
  return (kid) => keys.get(kid);
}

describe('verifyEnvelope', () => {
  const signer = createEd25519Signer(generateEd25519KeyPair().privateKeyPem);
  const other = createEd25519Signer(generateEd25519KeyPair().privateKeyPem);
  const resolve = resolverFor(signer, other);
  const sealed = sealEvent(draftFixture(), { seq: 4, prev: 'cd'.repeat(32) }, signer);
  const copy = (): EventEnvelope => structuredClone(sealed);

  it('accepts what sealEvent produced, also after a JSON round trip', () => {
    expect(verifyEnvelope(sealed, resolve)).toEqual({ ok: true });
    expect(verifyEnvelope(JSON.parse(JSON.stringify(sealed)), resolve)).toEqual({ ok: true });
  });

  it.each<[string, (env: EventEnvelope) => void]>([
    ['data value', (env) => (env.data.decision = 'deny')],
    ['added data field', (env) => (env.data.extra = true)],
    ['seq', (env) => (env.seq = 5)],
    ['prev', (env) => (env.prev = 'ce'.repeat(32))],
    ['stream', (env) => (env.stream = 'calls-acme-node2')],
    ['org', (env) => (env.org = 'evil')],
    ['at', (env) => (env.at = '2026-11-25T04:10:57.123457Z')],
    ['actor id', (env) => (env.actor.id = 'agent-8')],
    ['actor kind', (env) => (env.actor.kind = 'user')],
    ['kid', (env) => (env.kid = other.kid)],
    ['type', (env) => (env.type = 'ToolCallAllowed')],
    ['id', (env) => (env.id = 'another-id')],
    ['payload digest', (env) => (env.payload = { digest: 'ac'.repeat(32) })],
    ['payload removed', (env) => (env.payload = null)],
    ['extra top-level field', (env) => Object.assign(env, { note: 'hi' })],
  ])('reports HASH_MISMATCH when %s changes', (_field, tamper) => {
    const env = copy();
    tamper(env);
    expect(verifyEnvelope(env, resolve)).toMatchObject({ ok: false, reason: 'HASH_MISMATCH' });
  });

  it('reports BAD_SIGNATURE for a change that was re-hashed but not re-signed', () => {
    const env = copy();
    env.data.decision = 'deny';
    env.hash = envelopeHash(env);
    expect(verifyEnvelope(env, resolve)).toMatchObject({ ok: false, reason: 'BAD_SIGNATURE' });
  });

  it('reports BAD_SIGNATURE when another key signed and the kid was swapped to a known key', () => {
    const forged = sealEvent(draftFixture(), { seq: 4, prev: 'cd'.repeat(32) }, {
      kid: signer.kid, // claims to be `signer`
      publicKey: signer.publicKey,
      sign: (message) => other.sign(message), // but `other` signs
    });
    expect(verifyEnvelope(forged, resolve)).toMatchObject({ ok: false, reason: 'BAD_SIGNATURE' });
  });

  it('reports BAD_SIGNATURE for a flipped signature bit', () => {
    const env = copy();
    const sig = Buffer.from(env.sig, 'base64url');
    sig[10] ^= 0x01;
    env.sig = toBase64Url(sig);
    expect(verifyEnvelope(env, resolve)).toMatchObject({ ok: false, reason: 'BAD_SIGNATURE' });
  });

  it('reports UNKNOWN_KEY for a kid the resolver does not know', () => {
    expect(verifyEnvelope(sealed, resolverFor(other))).toMatchObject({ ok: false, reason: 'UNKNOWN_KEY' });
  });

  it('reports UNKNOWN_KEY when the resolved key does not have the kid as its fingerprint', () => {
    expect(verifyEnvelope(sealed, () => other.publicKey)).toMatchObject({ ok: false, reason: 'UNKNOWN_KEY' });
    expect(verifyEnvelope(sealed, () => new Uint8Array(31))).toMatchObject({ ok: false, reason: 'UNKNOWN_KEY' });
    // and the right key still verifies afterwards (no stale cache entry)
    expect(verifyEnvelope(sealed, resolve)).toEqual({ ok: true });
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['an array', []],
    ['v 2', { ...sealed, v: 2 }],
    ['no id', { ...sealed, id: undefined }],
    ['empty type', { ...sealed, type: '' }],
    ['no stream', { ...sealed, stream: undefined }],
    ['seq as string', { ...sealed, seq: '4' }],
    ['negative seq', { ...sealed, seq: -1 }],
    ['fractional seq', { ...sealed, seq: 1.5 }],
    ['no org', { ...sealed, org: undefined }],
    ['at as number', { ...sealed, at: 1 }],
    ['no actor', { ...sealed, actor: undefined }],
    ['actor without id', { ...sealed, actor: { kind: 'agent' } }],
    ['data null', { ...sealed, data: null }],
    ['data a string', { ...sealed, data: 'x' }],
    ['prev too short', { ...sealed, prev: GENESIS_PREV.slice(1) }],
    ['prev uppercase', { ...sealed, prev: 'CD'.repeat(32) }],
    ['no kid', { ...sealed, kid: undefined }],
    ['hash not hex', { ...sealed, hash: 'z'.repeat(64) }],
    ['no sig', { ...sealed, sig: undefined }],
    ['sig too short', { ...sealed, sig: sealed.sig.slice(0, 80) }],
    ['sig padded', { ...sealed, sig: `${sealed.sig}==` }],
    ['sig with a standard-base64 character', { ...sealed, sig: `+${sealed.sig.slice(1)}` }],
    ['payload without digest', { ...sealed, payload: {} }],
  ])('reports MALFORMED for %s', (_label, env) => {
    expect(verifyEnvelope(env, resolve)).toMatchObject({ ok: false, reason: 'MALFORMED' });
  });

  it('reports MALFORMED for a sig that is not the canonical base64url form of its bytes', () => {
    // 64 bytes = 86 characters; the last character carries 2 unused bits that must be zero.
    const last = sealed.sig.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(last) ^ 1];
    const env = { ...sealed, sig: sealed.sig.slice(0, -1) + sibling };
    expect(Buffer.from(env.sig, 'base64url').equals(Buffer.from(sealed.sig, 'base64url'))).toBe(true);
    expect(verifyEnvelope(env, resolve)).toMatchObject({ ok: false, reason: 'MALFORMED' });
  });

  it('checks the hash before the key, so an unknown kid on a tampered envelope is a HASH_MISMATCH', () => {
    const env = { ...copy(), kid: 'ed25519:' + sha256Hex('nobody').slice(0, 32) };
    expect(verifyEnvelope(env, resolve)).toMatchObject({ ok: false, reason: 'HASH_MISMATCH' });
  });
});

describe('verifyEnvelope with a vouch for signatures this process made', () => {
  const signer = createEd25519Signer(generateEd25519KeyPair().privateKeyPem);
  const resolve = resolverFor(signer);
  const sealed = sealEvent(draftFixture(), { seq: 0, prev: GENESIS_PREV }, signer);
  const own = new Map([[sealed.hash, sealed.sig]]);
  const vouch = (hash: string, sig: string) => own.get(hash) === sig;
  // A signature of the right length that does not verify: only a vouch could make it pass.
  const forgedSig = toBase64Url(new Uint8Array(64).fill(7));

  it('skips only the Ed25519 check of the exact (hash, sig) pair vouched for', () => {
    expect(verifyEnvelope(sealed, resolve, undefined, vouch)).toEqual({ ok: true });
    const vouchedForgery = new Map([[sealed.hash, forgedSig]]);
    expect(verifyEnvelope({ ...sealed, sig: forgedSig }, resolve, undefined, (h, s) => vouchedForgery.get(h) === s)).toEqual({ ok: true });
    // Not vouched: the same forged signature is checked, and fails.
    expect(verifyEnvelope({ ...sealed, sig: forgedSig }, resolve, undefined, vouch)).toMatchObject({ ok: false, reason: 'BAD_SIGNATURE' });
  });

  it('still recomputes the hash and resolves the key: an edited row or an unknown key fails although its pair is vouched', () => {
    const edited = structuredClone(sealed);
    edited.data.decision = 'deny';
    expect(verifyEnvelope(edited, resolve, undefined, vouch)).toMatchObject({ ok: false, reason: 'HASH_MISMATCH' });
    expect(verifyEnvelope(sealed, () => undefined, undefined, vouch)).toMatchObject({ ok: false, reason: 'UNKNOWN_KEY' });
  });
});
