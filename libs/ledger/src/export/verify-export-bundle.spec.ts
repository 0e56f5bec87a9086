import { createEd25519Signer, generateEd25519KeyPair, type Signer } from '../keys';
import { sealEvent } from '../seal';
import { cosignCheckpoint, cosignatureV1Signer } from '../checkpoint/cosignature';
import type { EventEnvelope } from '../envelope';
import { redigestBundle } from './build-export-bundle';
import { BUNDLE_FILES } from './bundle-format';
import { nodeBundleCrypto } from './node-bundle-crypto';
import { bundleOf, fixtureTime, ledgerFixture, type LedgerFixture } from './testing/bundle-fixture';
import { verifyExportBundle, type BundleFiles } from './verify-export-bundle';

const crypto = nodeBundleCrypto();

function verifyWith(fixture: LedgerFixture, files: BundleFiles, witnessKeys = [fixture.witness.vkey]) {
  return verifyExportBundle(files, { rootFingerprint: fixture.root.kid, witnessKeys, crypto });
}

/**
 * The tampering below is an insider's who holds the node key: files edited, the manifest's digests
 * redone and the manifest signed again (an outsider's edit fails MANIFEST_SIGNATURE first: see
 * "the manifest's signature"), so that each deeper check is seen to catch it on its own.
 */
let insider: Signer;

function editLines(files: Record<string, string>, name: string, edit: (lines: string[]) => string[]): Record<string, string> {
  const lines = files[name].slice(0, -1).split('\n');
  const edited = edit(lines);
  return redigestBundle({ ...files, [name]: edited.length === 0 ? '' : `${edited.join('\n')}\n` }, insider);
}

const envelopeAt = (files: Record<string, string>, line: number): EventEnvelope => JSON.parse(files[BUNDLE_FILES.events].split('\n')[line - 1]);

describe('verifyExportBundle', () => {
  const fixture = ledgerFixture({ calls: 14, every: 5 });
  const good = bundleOf(fixture);
  insider = fixture.node;

  it('accepts a whole bundle: events, keys, payloads (one erased), every checkpoint with its witness cosignature', async () => {
    const result = await verifyWith(fixture, good);
    // The last checkpoint's own event is a leaf after it: not covered yet, so not exported.
    expect(result).toMatchObject({ ok: true, org: 'acme', events: fixture.checkpoints.at(-1)!.size, firstLeaf: 0, payloads: { erased: 1 } });
    if (!result.ok) throw new Error('unreachable');
    expect(result.checkpoints.map((c) => c.size)).toEqual(fixture.checkpoints.map((c) => c.size));
    expect(result.checkpoints.every((c) => c.signedBy === fixture.node.kid && c.cosignatures.length === 1)).toBe(true);
  });

  it('accepts a sub-range: the frontier before it, the chain heads and the tail after it rebuild the signed roots', async () => {
    const files = bundleOf(fixture, { from: fixtureTime(6), to: fixtureTime(13) });
    const result = await verifyWith(fixture, files);
    expect(result).toMatchObject({ ok: true });
    if (!result.ok) throw new Error('unreachable');
    expect(result.firstLeaf).toBeGreaterThan(0);
    expect(result.events).toBeLessThan(fixture.orgEvents.length);
  });

  describe("the manifest's signature (format version 2)", () => {
    const manifestOf = (files: Record<string, string>) => JSON.parse(files[BUNDLE_FILES.manifest]);
    const withManifest = (manifest: unknown) => ({ ...good, [BUNDLE_FILES.manifest]: JSON.stringify(manifest) });

    it('is made by the exporting node key and verified: the report names the key', async () => {
      expect(manifestOf(good)).toMatchObject({ version: 2, signature: { kid: fixture.node.kid, sig: expect.stringMatching(/^[A-Za-z0-9_-]{86}$/) } });
      expect(await verifyWith(fixture, good)).toMatchObject({ ok: true, version: 2, manifestSignedBy: fixture.node.kid });
    });

    it("an outsider's edit with the digests redone, or any change to the bundle's scope, fails MANIFEST_SIGNATURE", async () => {
      const edited = redigestBundle({ ...good, [BUNDLE_FILES.events]: good[BUNDLE_FILES.events].replace('"n":1', '"n":9') });
      expect(await verifyWith(fixture, edited)).toMatchObject({ ok: false, failure: { check: 'MANIFEST_SIGNATURE', file: 'manifest.json' } });
      for (const change of [
        (m: any) => (m.range.from = fixtureTime(3)),
        (m: any) => (m.createdAt = '2027-01-01T00:00:00.000000Z'),
        (m: any) => (m.payloadsIncluded = false),
        (m: any) => delete m.signature,
        (m: any) => (m.signature.kid = fixture.root.kid),
      ]) {
        const manifest = manifestOf(good);
        change(manifest);
        expect(await verifyWith(fixture, withManifest(manifest))).toMatchObject({ ok: false, failure: { check: 'MANIFEST_SIGNATURE' } });
      }
    });

    it('the last events of the range moved into the tail (hashes only) and a shorter range claimed: MANIFEST_SIGNATURE; a version 1 bundle cannot tell', async () => {
      // What a forger without a key could do to an unsigned manifest: hide the range's last events
      // (here an erasure and the calls before it) while every event and checkpoint still verifies.
      const hideLast = (k: number, version: 1 | 2) => {
        const lines = good[BUNDLE_FILES.events].slice(0, -1).split('\n');
        const moved = lines.slice(-k).map((l) => JSON.parse(l) as EventEnvelope);
        const log = JSON.parse(good[BUNDLE_FILES.log]);
        log.tail = [...moved.map((e) => e.hash), ...log.tail];
        const payloads = good[BUNDLE_FILES.payloads].slice(0, -1).split('\n').filter((l) => !moved.some((e) => JSON.parse(l).eventId === e.id));
        const { signature, ...manifest } = manifestOf(good);
        manifest.counts.events = manifest.range.events = lines.length - k;
        manifest.counts.payloads = payloads.length;
        const edited = { ...good, [BUNDLE_FILES.events]: `${lines.slice(0, -k).join('\n')}\n`, [BUNDLE_FILES.log]: JSON.stringify(log), [BUNDLE_FILES.payloads]: payloads.length ? `${payloads.join('\n')}\n` : '' };
        return redigestBundle({ ...edited, [BUNDLE_FILES.manifest]: JSON.stringify(version === 1 ? { ...manifest, version: 1 } : { ...manifest, signature }) });
      };
      expect(await verifyWith(fixture, hideLast(3, 2))).toMatchObject({ ok: false, failure: { check: 'MANIFEST_SIGNATURE' } });
      const unsigned = await verifyExportBundle(hideLast(3, 1), { rootFingerprint: fixture.root.kid, witnessKeys: [fixture.witness.vkey], crypto, allowUnsignedManifest: true });
      expect(unsigned).toMatchObject({ ok: true, manifestSignedBy: null }); // why version 2 signs the manifest, and why version 1 is refused by default
    });

    it('signed by a key the key stream does not register: MANIFEST_SIGNATURE', async () => {
      const stranger = createEd25519Signer(generateEd25519KeyPair().privateKeyPem);
      expect(await verifyWith(fixture, redigestBundle(good, stranger))).toMatchObject({ ok: false, failure: { check: 'MANIFEST_SIGNATURE', detail: expect.stringMatching(/does not register/) } });
    });

    it('a version 1 bundle (made before manifests were signed) verifies only when unsigned manifests are accepted, reported unsigned; never with a signature', async () => {
      const { signature, ...unsigned } = manifestOf(good);
      // By default refused: else stripping a version 2 signature and writing version 1 would do.
      expect(await verifyWith(fixture, withManifest({ ...unsigned, version: 1 }))).toMatchObject({ ok: false, failure: { check: 'MANIFEST_SIGNATURE', detail: expect.stringMatching(/unsigned/) } });
      expect(await verifyExportBundle(withManifest({ ...unsigned, version: 1 }), { rootFingerprint: fixture.root.kid, witnessKeys: [fixture.witness.vkey], crypto, allowUnsignedManifest: true })).toMatchObject({ ok: true, version: 1, manifestSignedBy: null });
      expect(await verifyWith(fixture, withManifest({ ...unsigned, version: 1, signature }))).toMatchObject({ ok: false, failure: { check: 'MANIFEST' } });
      expect(await verifyWith(fixture, withManifest({ ...unsigned, version: 3, signature }))).toMatchObject({ ok: false, failure: { check: 'MANIFEST' } });
    });
  });

  it('an edited field: HASH_MISMATCH at its line and event id', async () => {
    const target = envelopeAt(good, 4);
    const files = editLines(good, BUNDLE_FILES.events, (lines) => lines.map((l, i) => (i === 3 ? l.replace('"decision":"allow"', '"decision":"deny"') : l)));
    expect(await verifyWith(fixture, files)).toEqual({ ok: false, failure: expect.objectContaining({ check: 'HASH_MISMATCH', file: 'events.jsonl', line: 4, eventId: target.id }) });
  });

  it('an edited file whose manifest digest was left alone: FILE_DIGEST', async () => {
    const files = { ...good, [BUNDLE_FILES.events]: good[BUNDLE_FILES.events].replace('"n":2', '"n":3') };
    expect(await verifyWith(fixture, files)).toMatchObject({ ok: false, failure: { check: 'FILE_DIGEST', file: 'events.jsonl' } });
  });

  it('a dropped event: SEQ_GAP at the next event of its stream', async () => {
    const dropped = envelopeAt(good, 3);
    const files = editLines(good, BUNDLE_FILES.events, (lines) => lines.filter((_, i) => i !== 2));
    const result = await verifyWith(fixture, files);
    expect(result).toMatchObject({ ok: false, failure: { check: 'SEQ_GAP', file: 'events.jsonl' } });
    if (result.ok) throw new Error('unreachable');
    const next = fixture.orgEvents.find((e) => e.stream === dropped.stream && e.seq === dropped.seq + 1)!;
    expect(result.failure.eventId).toBe(next.id);
  });

  it('reordered: within a stream, SEQ_GAP at the event moved ahead; across streams, CHECKPOINT_MISMATCH', async () => {
    const sameStream = editLines(good, BUNDLE_FILES.events, (lines) => [lines[2], lines[0], lines[1], ...lines.slice(3)]);
    expect(await verifyWith(fixture, sameStream)).toMatchObject({ ok: false, failure: { check: 'SEQ_GAP', line: 1, eventId: envelopeAt(good, 3).id } });
    const crossStream = editLines(good, BUNDLE_FILES.events, (lines) => [lines[1], lines[0], ...lines.slice(2)]);
    expect(await verifyWith(fixture, crossStream)).toMatchObject({ ok: false, failure: { check: 'CHECKPOINT_MISMATCH', file: 'checkpoints.jsonl', line: 1 } });
  });

  it('a duplicated event: DUPLICATE_EVENT', async () => {
    const files = editLines(good, BUNDLE_FILES.events, (lines) => [...lines.slice(0, 5), lines[4], ...lines.slice(5)]);
    expect(await verifyWith(fixture, files)).toMatchObject({ ok: false, failure: { check: 'DUPLICATE_EVENT', line: 6, eventId: envelopeAt(good, 5).id } });
  });

  it('a forged signature (another key, same kid): BAD_SIGNATURE', async () => {
    const forger = createEd25519Signer(generateEd25519KeyPair().privateKeyPem);
    const files = editLines(good, BUNDLE_FILES.events, (lines) =>
      lines.map((l, i) => {
        if (i !== 6) return l;
        const env = JSON.parse(l) as EventEnvelope;
        return JSON.stringify({ ...env, sig: sealEvent(env, { seq: env.seq, prev: env.prev }, { ...forger, kid: env.kid }).sig });
      }),
    );
    expect(await verifyWith(fixture, files)).toMatchObject({ ok: false, failure: { check: 'BAD_SIGNATURE', line: 7 } });
  });

  it('a swapped key: a forger re-signs everything under a root of their own: ROOT_KEY; an edited key registration: KEY_EVENT', async () => {
    const forged = ledgerFixture({ calls: 14, every: 5 });
    expect(await verifyExportBundle(bundleOf(forged), { rootFingerprint: fixture.root.kid, crypto })).toMatchObject({ ok: false, failure: { check: 'ROOT_KEY' } });
    const stranger = createEd25519Signer(generateEd25519KeyPair().privateKeyPem);
    const files = editLines(good, BUNDLE_FILES.keys, (lines) => lines.map((l) => {
      const env = JSON.parse(l) as EventEnvelope<{ publicKey: string }>;
      return JSON.stringify({ ...env, data: { ...env.data, kid: stranger.kid, publicKey: Buffer.from(stranger.publicKey).toString('base64url') } });
    }));
    expect(await verifyWith(fixture, files)).toMatchObject({ ok: false, failure: { check: 'KEY_EVENT', file: 'keys.jsonl', line: 1 } });
  });

  it('a truncated bundle: FILE_DIGEST for a cut file; NOT_COVERED when the manifest was redone to match', async () => {
    const text = good[BUNDLE_FILES.events];
    expect(await verifyWith(fixture, { ...good, [BUNDLE_FILES.events]: text.slice(0, text.length - 40) })).toMatchObject({ ok: false, failure: { check: 'FILE_DIGEST' } });
    const cut = editLines(good, BUNDLE_FILES.events, (lines) => lines.slice(0, -3));
    const manifest = JSON.parse(cut[BUNDLE_FILES.manifest]);
    manifest.counts.events = manifest.range.events = manifest.counts.events - 3;
    manifest.counts.payloads = manifest.counts.payloads;
    const matched = redigestBundle({ ...cut, [BUNDLE_FILES.manifest]: JSON.stringify(manifest) }, insider);
    const result = await verifyWith(fixture, matched);
    expect(result).toMatchObject({ ok: false });
    if (result.ok) throw new Error('unreachable');
    expect(['NOT_COVERED', 'PAYLOAD_MISMATCH']).toContain(result.failure.check);
    expect(await verifyWith(fixture, { ...good, [BUNDLE_FILES.checkpoints]: undefined as unknown as string })).toMatchObject({ ok: false, failure: { check: 'FILE_MISSING', file: 'checkpoints.jsonl' } });
  });

  it('a checkpoint rolled back (an older one after a newer): CHECKPOINT_ROLLBACK', async () => {
    const files = editLines(good, BUNDLE_FILES.checkpoints, (lines) => [...lines.slice(0, -1), lines[0]]);
    expect(await verifyWith(fixture, files)).toMatchObject({ ok: false, failure: { check: 'CHECKPOINT_ROLLBACK', line: fixture.checkpoints.length } });
  });

  it('a checkpoint note not signed by the log, or with an altered root: CHECKPOINT_SIGNATURE', async () => {
    const files = editLines(good, BUNDLE_FILES.checkpoints, (lines) => lines.map((l, i) => {
      if (i !== 1) return l;
      const entry = JSON.parse(l);
      const body = entry.note.split('\n');
      body[2] = Buffer.alloc(32, 7).toString('base64');
      return JSON.stringify({ ...entry, note: body.join('\n') });
    }));
    expect(await verifyWith(fixture, files)).toMatchObject({ ok: false, failure: { check: 'CHECKPOINT_SIGNATURE', line: 2 } });
  });

  it('a cosignature from an unknown witness: UNKNOWN_WITNESS; a forged one by the known witness: BAD_COSIGNATURE', async () => {
    expect(await verifyWith(fixture, good, [])).toMatchObject({ ok: false, failure: { check: 'UNKNOWN_WITNESS', file: 'checkpoints.jsonl', line: 1 } });
    const strangerPair = createEd25519Signer(generateEd25519KeyPair().privateKeyPem);
    const impostor = cosignatureV1Signer('witness.example/w1', strangerPair, () => 1_764_000_001);
    const files = editLines(good, BUNDLE_FILES.checkpoints, (lines) => lines.map((l, i) => {
      if (i !== 0) return l;
      const entry = JSON.parse(l);
      const original = fixture.checkpoints[0].note;
      const bodyAndLog = original.slice(0, original.lastIndexOf('\n\u2014 witness.example/w1'));
      const forged = cosignCheckpoint(`${bodyAndLog}\n`, { ...impostor, keyId: fixture.witness.signer.keyId });
      return JSON.stringify({ ...entry, note: forged });
    }));
    expect(await verifyWith(fixture, files)).toMatchObject({ ok: false, failure: { check: 'BAD_COSIGNATURE', line: 1 } });
  });

  it('an erased payload without its signed erasure, or a payload digest changed: PAYLOAD_ERASURE / PAYLOAD_MISMATCH', async () => {
    const noErasure = editLines(good, BUNDLE_FILES.payloads, (lines) => lines.map((l) => {
      const entry = JSON.parse(l);
      return entry.state === 'erased' ? JSON.stringify({ ...entry, erasure: { ...entry.erasure, data: { eventIds: [], reason: 'x' } } }) : l;
    }));
    expect(await verifyWith(fixture, noErasure)).toMatchObject({ ok: false, failure: { check: 'PAYLOAD_ERASURE' } });
    const digest = editLines(good, BUNDLE_FILES.payloads, (lines) => lines.map((l, i) => (i === 0 ? l.replace(/"digest":"[0-9a-f]+"/, `"digest":"${'0'.repeat(64)}"`) : l)));
    expect(await verifyWith(fixture, digest)).toMatchObject({ ok: false, failure: { check: 'PAYLOAD_MISMATCH', line: 1 } });
  });

  it('included payload content is re-hashed with its exported salt: an edited content, or salt, is PAYLOAD_DIGEST at its line', async () => {
    const lines = good[BUNDLE_FILES.payloads].slice(0, -1).split('\n').map((l) => JSON.parse(l));
    const at = lines.findIndex((e) => e.state === 'present');
    expect(lines[at]).toMatchObject({ content: { arguments: { q: expect.any(String) } }, salt: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) });
    const edit = (change: (entry: Record<string, unknown>) => Record<string, unknown>) =>
      editLines(good, BUNDLE_FILES.payloads, (all) => all.map((l, i) => (i === at ? JSON.stringify(change(JSON.parse(l))) : l)));
    const content = edit((e) => ({ ...e, content: { arguments: { q: 'not what was called' } } }));
    expect(await verifyWith(fixture, content)).toMatchObject({ ok: false, failure: { check: 'PAYLOAD_DIGEST', file: 'payloads.jsonl', line: at + 1, eventId: lines[at].eventId } });
    const salt = edit((e) => ({ ...e, salt: 'A'.repeat(22) }));
    expect(await verifyWith(fixture, salt)).toMatchObject({ ok: false, failure: { check: 'PAYLOAD_DIGEST', line: at + 1 } });
    const noSalt = edit(({ salt: _salt, ...e }) => e);
    expect(await verifyWith(fixture, noSalt)).toMatchObject({ ok: false, failure: { check: 'PAYLOAD_DIGEST', line: at + 1 } });
  });

  it('an erased payload exports no salt; a bundle without --payloads exports no content and no salt', async () => {
    const erased = good[BUNDLE_FILES.payloads].split('\n').filter((l) => l.includes('"erased"'));
    expect(erased).toHaveLength(1);
    expect(JSON.parse(erased[0])).not.toHaveProperty('salt');
    const plain = bundleOf(fixture, { includePayloads: false });
    expect(plain[BUNDLE_FILES.payloads]).not.toMatch(/"salt"|"content"/);
    expect(await verifyWith(fixture, plain)).toMatchObject({ ok: true, payloads: { included: 0 } });
    const saltedErasure = editLines(good, BUNDLE_FILES.payloads, (all) => all.map((l) => (l.includes('"erased"') ? JSON.stringify({ ...JSON.parse(l), salt: 'A'.repeat(22) }) : l)));
    expect(await verifyWith(fixture, saltedErasure)).toMatchObject({ ok: false, failure: { check: 'PAYLOAD_MISMATCH' } });
  });

  it('an event of another organisation slipped in: WRONG_ORG', async () => {
    const files = editLines(good, BUNDLE_FILES.events, (lines) => lines.map((l, i) => (i === 0 ? l.replace('"org":"acme"', '"org":"other"') : l)));
    // The hash covers org, so the edit is caught as content first; a re-sealed one as another org's event.
    expect(await verifyWith(fixture, files)).toMatchObject({ ok: false, failure: { check: 'HASH_MISMATCH', line: 1 } });
    const env = envelopeAt(good, 1);
    const resealed = sealEvent({ ...env, org: 'other' }, { seq: env.seq, prev: env.prev }, fixture.node);
    const other = editLines(good, BUNDLE_FILES.events, (lines) => [JSON.stringify(resealed), ...lines.slice(1)]);
    expect(await verifyWith(fixture, other)).toMatchObject({ ok: false, failure: { check: 'WRONG_ORG', line: 1 } });
  });
});
