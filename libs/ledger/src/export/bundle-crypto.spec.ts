import { createHash, randomBytes, webcrypto } from 'node:crypto';
import { portableSha256 } from './portable-sha256';
import { nodeBundleCrypto } from './node-bundle-crypto';
import { tweetnaclBundleCrypto } from './tweetnacl-bundle-crypto';
import { webCryptoBundleCrypto, type SubtleEd25519 } from './webcrypto-bundle-crypto';
import { choosePortableBundleCrypto } from './choose-bundle-crypto';
import { verifyExportBundle } from './verify-export-bundle';
import { redigestBundle } from './build-export-bundle';
import { BUNDLE_FILES } from './bundle-format';
import { bundleOf, ledgerFixture } from './testing/bundle-fixture';

const subtle = webcrypto.subtle as unknown as SubtleEd25519;

describe('portableSha256', () => {
  it('equals node:crypto for the FIPS 180-4 examples and for every length across block boundaries', () => {
    expect(Buffer.from(portableSha256(new TextEncoder().encode('abc'))).toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(Buffer.from(portableSha256(new Uint8Array(0))).toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    for (let length = 0; length < 300; length++) {
      const input = randomBytes(length);
      expect(Buffer.from(portableSha256(input)).toString('hex')).toBe(createHash('sha256').update(input).digest('hex'));
    }
  });
});

describe('the three Ed25519 / SHA-256 adapters', () => {
  const fixture = ledgerFixture({ calls: 6, every: 4 });
  const good = bundleOf(fixture);
  const lines = good[BUNDLE_FILES.events].slice(0, -1).split('\n');
  const forged = redigestBundle({
    ...good,
    [BUNDLE_FILES.events]: `${lines.map((l, i) => (i === 2 ? l.replace(/"sig":"[A-Za-z0-9_-]{5}/, '"sig":"AAAAA') : l)).join('\n')}\n`,
  }, fixture.node);
  const adapters = [nodeBundleCrypto(), webCryptoBundleCrypto(subtle), tweetnaclBundleCrypto];

  it('give the same answers: a good bundle passes and a forged signature fails at the same line with every one', async () => {
    const answers = [];
    for (const crypto of adapters) {
      const ok = await verifyExportBundle(good, { rootFingerprint: fixture.root.kid, witnessKeys: [fixture.witness.vkey], crypto });
      const bad = await verifyExportBundle(forged, { rootFingerprint: fixture.root.kid, witnessKeys: [fixture.witness.vkey], crypto });
      expect(ok).toMatchObject({ ok: true, crypto: crypto.name });
      answers.push({ ok: { ...ok, crypto: undefined }, bad });
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    expect(answers[0].bad).toMatchObject({ ok: false, failure: { check: 'BAD_SIGNATURE', line: 3 } });
  });

  it('the run-time choice: WebCrypto where it verifies Ed25519, tweetnacl where there is no WebCrypto or it refuses Ed25519', async () => {
    expect((await choosePortableBundleCrypto(subtle)).name).toBe('webcrypto');
    expect((await choosePortableBundleCrypto()).name).toBe('webcrypto');
    expect((await choosePortableBundleCrypto(null)).name).toBe('tweetnacl');
    const noEd25519: SubtleEd25519 = { importKey: () => Promise.reject(new Error('NotSupportedError')), verify: () => Promise.resolve(true) };
    expect((await choosePortableBundleCrypto(noEd25519)).name).toBe('tweetnacl');
  });
});
