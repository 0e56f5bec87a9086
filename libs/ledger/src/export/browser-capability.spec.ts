import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createContext, runInContext } from 'node:vm';
import { webcrypto } from 'node:crypto';
import ts from 'typescript';
import { BUNDLE_FILES } from './bundle-format';
import { redigestBundle } from './build-export-bundle';
import { bundleOf, ledgerFixture } from './testing/bundle-fixture';

/**
 * Beside the page in real Chromium (test/e2e/verify-export-page.e2e-spec.ts, dist/verify-export.html),
 * a proof that needs no build and no browser: the verifier core and the WebCrypto adapter, transpiled from their sources, run
 * in a fresh V8 context that has no require, no module, no process and no Buffer, only what a
 * browser page has (WebCrypto, TextEncoder/TextDecoder). A tiny loader links the relative
 * imports as a bundler would; any import of a Node module (node:crypto, tweetnacl's CommonJS
 * globals, …) fails the load.
 */
const ledgerSrc = resolve(__dirname, '..');
const PURE_PACKAGES: Record<string, string> = { canonicalize: require.resolve('canonicalize') };

function browserLikeContext() {
  const context = createContext({ crypto: { subtle: webcrypto.subtle }, TextEncoder, TextDecoder, console });
  const cache = new Map<string, unknown>();
  const load = (file: string): unknown => {
    if (cache.has(file)) return (cache.get(file) as { exports: unknown }).exports;
    const source = readFileSync(file, 'utf8');
    const js = file.endsWith('.ts') ? ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText : source;
    const module = { exports: {} as Record<string, unknown> };
    cache.set(file, module);
    const link = (specifier: string): unknown => {
      if (specifier.startsWith('.')) return load(resolveTs(join(dirname(file), specifier)));
      if (PURE_PACKAGES[specifier]) return load(PURE_PACKAGES[specifier]);
      throw new Error(`${file} imports ${specifier}, which a browser does not have`);
    };
    const wrapper = runInContext(`(function (exports, require, module) {${js}\n})`, context, { filename: file }) as (e: unknown, r: unknown, m: unknown) => void;
    wrapper(module.exports, link, module);
    return module.exports;
  };
  return { context, load };
}

function resolveTs(path: string): string {
  for (const candidate of [`${path}.ts`, join(path, 'index.ts'), path]) {
    try {
      readFileSync(candidate);
      return candidate;
    } catch {
      /* next */
    }
  }
  throw new Error(`cannot resolve ${path}`);
}

describe('the export verifier in a browser-like context (no require, WebCrypto only)', () => {
  const fixture = ledgerFixture({ calls: 8, every: 4 });
  const good = bundleOf(fixture);

  it('has no Node globals to lean on', () => {
    const { context } = browserLikeContext();
    expect(runInContext('[typeof require, typeof module, typeof process, typeof Buffer, typeof crypto.subtle]', context)).toEqual(['undefined', 'undefined', 'undefined', 'undefined', 'object']);
  });

  it('verifies a good bundle and names the first failure of a tampered one, as in Node', async () => {
    const { load } = browserLikeContext();
    const core = load(join(ledgerSrc, 'export/verify-export-bundle.ts')) as typeof import('./verify-export-bundle');
    const { webCryptoBundleCrypto } = load(join(ledgerSrc, 'export/webcrypto-bundle-crypto.ts')) as typeof import('./webcrypto-bundle-crypto');
    const crypto = webCryptoBundleCrypto(webcrypto.subtle as never);
    const options = { rootFingerprint: fixture.root.kid, witnessKeys: [fixture.witness.vkey], crypto };
    expect(await core.verifyExportBundle(good, options)).toMatchObject({ ok: true, crypto: 'webcrypto', events: fixture.checkpoints.at(-1)!.size });
    const edited = redigestBundle({ ...good, [BUNDLE_FILES.events]: good[BUNDLE_FILES.events].replace('"n":1', '"n":9') }, fixture.node);
    expect(await core.verifyExportBundle(edited, options)).toMatchObject({ ok: false, failure: { check: 'HASH_MISMATCH', file: 'events.jsonl', line: 2 } });
  });

  it('refuses to load a module that needs Node (so the check above is not vacuous)', () => {
    const { load } = browserLikeContext();
    expect(() => load(join(ledgerSrc, 'export/node-bundle-crypto.ts'))).toThrow(/imports node:crypto, which a browser does not have/);
  });
});
