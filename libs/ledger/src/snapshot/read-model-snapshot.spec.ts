import { verify } from 'node:crypto';
import { createEd25519Signer, generateEd25519KeyPair, publicKeyObjectFromRaw } from '../keys';
import { canonicalJson } from '../canonical-json';
import { sha256 } from '../hashing';
import { encodeSnapshotBody, parseSnapshotBody, signEncodedSnapshot, READ_MODEL_SNAPSHOT_VERSION, signReadModelSnapshot, snapshotJson, SNAPSHOT_SIGNATURE_DOMAIN, snapshotSigningMessage, verifyReadModelSnapshot, type ReadModelSnapshotBody } from './read-model-snapshot';

const signer = createEd25519Signer(generateEd25519KeyPair().privateKeyPem);
const body = (): ReadModelSnapshotBody => ({
  v: READ_MODEL_SNAPSHOT_VERSION,
  position: 42,
  event: { id: 'e42', hash: 'ab'.repeat(32), org: 'org-1' },
  checkpoint: { log: 'org-1', origin: 'warden.local/x/org-1', size: 43, rootHash: 'AAAA', eventId: 'e43', eventPosition: 43, eventHash: 'cd'.repeat(32), leafIndex: 41, proof: [] },
  logs: [],
  projections: { counters: { n: 3 } },
  heads: [['calls-org-1-node-1', { seq: 40, hash: 'ab'.repeat(32) }]],
  keys: [{ kid: signer.kid, position: 1 }],
  takenAt: '2026-12-01T12:00:00.000Z',
  kid: signer.kid,
});

describe('read-model snapshot signatures', () => {
  it('verify under the signing key only, and not once any part of the body changed', () => {
    const signed = signReadModelSnapshot(body(), signer);
    expect(verifyReadModelSnapshot(signed, signer.publicKey)).toBe(true);
    const other = createEd25519Signer(generateEd25519KeyPair().privateKeyPem);
    expect(verifyReadModelSnapshot(signed, other.publicKey)).toBe(false);
    expect(parseSnapshotBody(signed)).toEqual(body());
    const edited = { ...signed, body: signed.body.replace('"n":3', '"n":2') };
    expect(edited.body).not.toBe(signed.body);
    expect(verifyReadModelSnapshot(edited, signer.publicKey)).toBe(false);
    expect(verifyReadModelSnapshot({ ...signed, sig: 'not base64url!' }, signer.publicKey)).toBe(false);
  });

  it('are made under their own domain: never an event signature (over the bare 32-byte hash) of the same body', () => {
    const message = snapshotSigningMessage(signReadModelSnapshot(body(), signer).body);
    expect(Buffer.from(message.subarray(0, SNAPSHOT_SIGNATURE_DOMAIN.length)).toString('utf8')).toBe(SNAPSHOT_SIGNATURE_DOMAIN);
    expect(message.length).toBe(SNAPSHOT_SIGNATURE_DOMAIN.length + 32);
    const signed = signReadModelSnapshot(body(), signer);
    const digest = message.subarray(SNAPSHOT_SIGNATURE_DOMAIN.length);
    expect(verify(null, digest, publicKeyObjectFromRaw(signer.publicKey), Buffer.from(signed.sig, 'base64url'))).toBe(false);
  });

  it('are over RFC 8785 text: the fast encoder gives what the general one gives for plain data', () => {
    const data = { b: [1, 0.1, -0, 1e21, 5e-7, { z: 'é\u2028"\\', a: null }], a: { '\u00e9': 1, e: true, E: 'x', '10': 2, '9': 3 }, emoji: '😀', ctl: '\u0001\n' };
    expect(snapshotJson(data)).toBe(canonicalJson(data));
    const signed = signReadModelSnapshot(body(), signer);
    expect(signed.body).toBe(canonicalJson(body()));
    expect(() => snapshotJson({ n: Number.NaN })).toThrow(RangeError);
  });

  it('encoded in two halves (states as JSON text, on any thread; then one signature) give the same signed text', () => {
    const { projections, ...frame } = body();
    const encoded = encodeSnapshotBody(frame, JSON.stringify(projections));
    expect(encoded.text).toBe(canonicalJson(body()));
    expect(Buffer.from(encoded.digest)).toEqual(Buffer.from(sha256(encoded.text)));
    const signed = signEncodedSnapshot(encoded, signer);
    expect(verifyReadModelSnapshot(signed, signer.publicKey)).toBe(true);
    expect(() => encodeSnapshotBody(frame, '[1]')).toThrow(TypeError);
    expect(() => encodeSnapshotBody({ ...frame, position: Number.NaN }, '{}')).toThrow();
  });
});
