import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUNDLE_FILES, redigestBundle } from '@warden/ledger';
import { bundleOf, ledgerFixture } from '../../libs/ledger/src/export/testing/bundle-fixture';
import { openHeadlessPage, type HeadlessPage } from './support/headless-chromium';
import { REPO_ROOT } from './support/tamper';

/**
 * The single-file page `npm run build` writes (dist/verify-export.html, scripts/build-verify-page.js)
 * in a real headless Chromium: the bundle's files chosen in its file picker as a user would, the
 * answer read off the page. A good bundle passes (WebCrypto Ed25519), a tampered one is named
 * (check, file, line); the tweetnacl fallback gives the same answers.
 */
describe('dist/verify-export.html in headless Chromium', () => {
  const PAGE = join(REPO_ROOT, 'dist', 'verify-export.html');
  const fixture = ledgerFixture({ calls: 10, every: 4 });
  const good = bundleOf(fixture);
  const scratch = mkdtempSync(join(tmpdir(), 'warden-page-'));
  let page: HeadlessPage;

  const write = (name: string, files: Record<string, string>): string[] => {
    const dir = join(scratch, name);
    mkdirSync(dir);
    return Object.entries(files).map(([file, text]) => {
      writeFileSync(join(dir, file), text);
      return join(dir, file);
    });
  };

  /** Picks the files in the page, as a user would, and waits for its verdict. */
  const pick = async (paths: string[], pin = fixture.root.kid): Promise<{ state: string; text: string; answer: any }> => {
    await page.evaluate(`(() => { const r = document.getElementById('result'); delete r.dataset.answer; r.dataset.state = 'idle'; document.getElementById('pin').value = ${JSON.stringify(pin)}; document.getElementById('witnesses').value = ${JSON.stringify(fixture.witness.vkey)}; })()`);
    await page.setInputFiles('#pick-files', paths);
    for (;;) {
      const seen = await page.evaluate<{ state: string; text: string; answer?: string }>(`(() => { const r = document.getElementById('result'); return { state: r.dataset.state, text: r.textContent, answer: r.dataset.answer }; })()`);
      if (seen.state === 'ok' || seen.state === 'failed') return { state: seen.state, text: seen.text, answer: seen.answer ? JSON.parse(seen.answer) : undefined };
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  beforeAll(async () => {
    expect(readFileSync(PAGE, 'utf8')).toMatch(/^<!doctype html>/);
    page = await openHeadlessPage(pathToFileURL(PAGE).href);
    for (let i = 0; i < 400 && (await page.evaluate('typeof window.wardenVerifyBundle')) !== 'function'; i++) await new Promise((r) => setTimeout(r, 25));
  }, 60_000);

  afterAll(async () => {
    await page?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('the page loaded with no Node to lean on', async () => {
    expect(await page.evaluate('[typeof window.wardenVerifyBundle, typeof require, typeof process, typeof Buffer, location.protocol]')).toEqual(['function', 'undefined', 'undefined', 'undefined', 'file:']);
  });

  it('a good bundle picked in the page: OK, checked with WebCrypto', async () => {
    const seen = await pick(write('good', good));
    expect(seen).toMatchObject({ state: 'ok', answer: { ok: true, crypto: 'webcrypto', org: 'acme', events: fixture.checkpoints.at(-1)!.size, payloads: { erased: 1 }, version: 2, manifestSignedBy: fixture.node.kid } });
    expect(seen.text).toMatch(/^OK: \d+ events of acme.*; manifest signed by ed25519:[0-9a-f]{32}\./);
  });

  it('a tampered bundle: the first failure named as the CLI names it; a wrong pin: ROOT_KEY; a missing file: FILE_MISSING', async () => {
    const outsider = redigestBundle({ ...good, [BUNDLE_FILES.events]: good[BUNDLE_FILES.events].replace('"n":1', '"n":7') });
    expect(await pick(write('outsider', outsider))).toMatchObject({ state: 'failed', answer: { ok: false, failure: { check: 'MANIFEST_SIGNATURE', file: 'manifest.json' } } });
    // An insider holding the node key signs the manifest again: the event's own hash still gives it away.
    const edited = redigestBundle({ ...good, [BUNDLE_FILES.events]: good[BUNDLE_FILES.events].replace('"n":1', '"n":7') }, fixture.node);
    const seen = await pick(write('edited', edited));
    expect(seen).toMatchObject({ state: 'failed', answer: { ok: false, failure: { check: 'HASH_MISMATCH', file: 'events.jsonl', line: 2 } } });
    expect(seen.text).toMatch(/^FAILED: HASH_MISMATCH at events\.jsonl:2, event /);
    const payloads = good[BUNDLE_FILES.payloads].split('\n');
    const at = payloads.findIndex((l) => l.includes('"state":"present"'));
    payloads[at] = payloads[at].replace(/"q":"query (\d+)"/, '"q":"query x$1"');
    expect(await pick(write('payload', redigestBundle({ ...good, [BUNDLE_FILES.payloads]: payloads.join('\n') }, fixture.node)))).toMatchObject({ state: 'failed', answer: { failure: { check: 'PAYLOAD_DIGEST', line: at + 1 } } });
    expect(await pick(write('pin', good), `ed25519:${'0'.repeat(32)}`)).toMatchObject({ state: 'failed', answer: { failure: { check: 'ROOT_KEY' } } });
    const { [BUNDLE_FILES.keys]: _keys, ...withoutKeys } = good;
    expect(await pick(write('missing', withoutKeys))).toMatchObject({ state: 'failed', answer: { failure: { check: 'FILE_MISSING', file: 'keys.jsonl' } } });
  });

  it('without WebCrypto (the tweetnacl fallback): the same answers', async () => {
    const outsider = redigestBundle({ ...good, [BUNDLE_FILES.events]: good[BUNDLE_FILES.events].replace('"n":1', '"n":7') });
    const edited = redigestBundle({ ...good, [BUNDLE_FILES.events]: good[BUNDLE_FILES.events].replace('"n":1', '"n":7') }, fixture.node);
    const run = (files: Record<string, string>) =>
      page.evaluate<any>(`window.wardenVerifyBundle(${JSON.stringify(files)}, { rootFingerprint: ${JSON.stringify(fixture.root.kid)}, witnessKeys: [${JSON.stringify(fixture.witness.vkey)}], subtle: null })`);
    expect(await run(good)).toMatchObject({ ok: true, crypto: 'tweetnacl' });
    expect(await run(edited)).toMatchObject({ ok: false, failure: { check: 'HASH_MISMATCH', line: 2 } });
    expect(await run(outsider)).toMatchObject({ ok: false, failure: { check: 'MANIFEST_SIGNATURE' } });
  });
});
