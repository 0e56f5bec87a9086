import { canonicalJson } from './canonical-json';
import { GENESIS_PREV } from './envelope';
import { LedgerError } from './errors';
import { sha256Hex } from './hashing';
import { createEd25519Signer, generateEd25519KeyPair } from './keys';
import { chainHeadAfter, envelopeHash, GENESIS_HEAD, hashEvent, sealEvent, withSignature } from './seal';
import { draftFixture } from './testing/event-fixtures';

describe('sealEvent', () => {
  const signer = createEd25519Signer(generateEd25519KeyPair().privateKeyPem);

  it('hashes the JCS form of the envelope without hash and sig, and signs the hash', () => {
    const env = sealEvent(draftFixture(), GENESIS_HEAD, signer);
    const { hash, sig, ...unsigned } = env;
    expect(Object.keys(unsigned).sort()).toEqual(
      ['v', 'id', 'type', 'stream', 'seq', 'org', 'at', 'actor', 'data', 'payload', 'prev', 'kid'].sort(),
    );
    expect(unsigned).toMatchObject({ v: 1, seq: 0, prev: GENESIS_PREV, kid: signer.kid });
    expect(hash).toBe(sha256Hex(canonicalJson(unsigned)));
    expect(envelopeHash(env)).toBe(hash);
    expect(sig).toMatch(/^[A-Za-z0-9_-]{86}$/);
  });

  it('stores a missing payload as null (so it is part of the hashed bytes)', () => {
    const { payload: _omitted, ...withoutPayload } = draftFixture();
    const env = sealEvent(withoutPayload, GENESIS_HEAD, signer);
    expect(env.payload).toBeNull();
    expect(canonicalJson(env)).toContain('"payload":null');
  });

  it('copies only envelope fields from the draft', () => {
    const richer = { ...draftFixture(), secret: 'do not sign me' };
    expect(sealEvent(richer, GENESIS_HEAD, signer)).not.toHaveProperty('secret');
  });

  it('is deterministic: same draft, position and key give the same envelope', () => {
    expect(sealEvent(draftFixture(), GENESIS_HEAD, signer)).toEqual(sealEvent(draftFixture(), GENESIS_HEAD, signer));
  });

  it.each([
    ['negative seq', { seq: -1, prev: GENESIS_PREV }],
    ['fractional seq', { seq: 1.5, prev: 'a'.repeat(64) }],
    ['short prev', { seq: 1, prev: 'abc' }],
    ['uppercase prev', { seq: 1, prev: 'A'.repeat(64) }],
    ['seq 0 not at genesis', { seq: 0, prev: 'a'.repeat(64) }],
    ['genesis prev after seq 0', { seq: 3, prev: GENESIS_PREV }],
  ])('refuses a bad chain position: %s', (_label, position) => {
    expect(() => sealEvent(draftFixture(), position, signer)).toThrow(
      expect.objectContaining({ code: 'LEDGER.INVALID_CHAIN_POSITION' }),
    );
  });

  it.each([
    ['an empty type', { type: '' }],
    ['an unknown actor kind', { actor: { kind: 'robot', id: 'x' } as never }],
    ['data that is an array', { data: [] as never }],
    ['a timestamp that is not RFC 3339', { at: 'yesterday' }],
    ['a payload digest that is not sha256 hex', { payload: { digest: 'xyz' } }],
  ])('refuses a malformed draft: %s', (_label, overrides) => {
    expect(() => sealEvent(draftFixture(overrides), GENESIS_HEAD, signer)).toThrow(LedgerError);
  });

  it('refuses data JCS cannot encode', () => {
    expect(() => sealEvent(draftFixture({ data: { n: NaN } }), GENESIS_HEAD, signer)).toThrow(
      expect.objectContaining({ code: 'LEDGER.NOT_CANONICAL_JSON' }),
    );
  });
});

describe('hashEvent + withSignature (sealing with the signature made elsewhere)', () => {
  const signer = createEd25519Signer(generateEd25519KeyPair().privateKeyPem);

  it('give the envelope sealEvent gives', () => {
    const draft = draftFixture();
    const hashed = hashEvent(draft, GENESIS_HEAD, signer.kid);
    expect(hashed.hash).toBe(sha256Hex(Buffer.from(canonicalJson(hashed.unsigned), 'utf8')));
    expect(withSignature(hashed, signer.sign(hashed.hashBytes))).toEqual(sealEvent(draft, GENESIS_HEAD, signer));
  });

  it('refuse a signature that is not 64 bytes', () => {
    const hashed = hashEvent(draftFixture(), GENESIS_HEAD, signer.kid);
    expect(() => withSignature(hashed, new Uint8Array(63))).toThrow(LedgerError);
  });
});

describe('chainHeadAfter', () => {
  const signer = createEd25519Signer(generateEd25519KeyPair().privateKeyPem);

  it('starts an empty stream at genesis and continues after the last envelope', () => {
    expect(chainHeadAfter(undefined)).toEqual({ seq: 0, prev: GENESIS_PREV });
    const first = sealEvent(draftFixture(), chainHeadAfter(undefined), signer);
    const second = sealEvent(draftFixture({ id: 'second' }), chainHeadAfter(first), signer);
    expect(chainHeadAfter(first)).toEqual({ seq: 1, prev: first.hash });
    expect(second).toMatchObject({ seq: 1, prev: first.hash });
  });
});
