#!/usr/bin/env node
'use strict';
/**
 * Builds dist/verify-export.html: one self-contained page that verifies an export bundle in a
 * browser (docs/export-bundle.md, "Browser"), without a bundler. It takes the compiled CommonJS
 * files of the verifier core (dist/libs/ledger/src/export/verify-export-bundle.js and what it
 * requires, plus the WebCrypto / tweetnacl adapters), follows their require() calls, and inlines
 * each as `define(path, function (require, module, exports) { … })` under a twenty-line module
 * registry. Packages allowed in the page: canonicalize and tweetnacl (pure JavaScript). Any other
 * require (node:crypto, fs, …) fails the build: the page must not need Node.
 *
 * Run by `npm run build` after tsc. Usage: node scripts/build-verify-page.js [OUT]
 */
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { dirname, join, relative, resolve } = require('node:path');

const ROOT = resolve(__dirname, '..');
const DIST = join(ROOT, 'dist');
const EXPORT_DIR = join(DIST, 'libs', 'ledger', 'src', 'export');
const ENTRIES = ['verify-export-bundle.js', 'choose-bundle-crypto.js', 'bundle-failure.js'].map((f) => join(EXPORT_DIR, f));
/** Pure-JavaScript packages the page may hold. tweetnacl asks for Node's crypto only where the page has no self.crypto. */
const PACKAGES = { canonicalize: require.resolve('canonicalize'), tweetnacl: require.resolve('tweetnacl') };
const OPTIONAL = { tweetnacl: ['crypto'] };
const REQUIRE_CALL = /\brequire\(\s*(["'])([^"']+)\1\s*\)/g;

function resolveFile(from, specifier) {
  if (PACKAGES[specifier]) return PACKAGES[specifier];
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base, `${base}.js`, join(base, 'index.js')]) if (existsSync(candidate) && candidate.endsWith('.js')) return candidate;
  throw new Error(`${relative(ROOT, from)}: cannot resolve ${specifier}`);
}

/** The files the entries need, each with its source and how its require() specifiers map to module ids. */
function collect() {
  const modules = new Map();
  const pending = [...ENTRIES];
  while (pending.length > 0) {
    const file = pending.pop();
    if (modules.has(file)) continue;
    if (!existsSync(file)) throw new Error(`${relative(ROOT, file)} is missing: run tsc first (npm run build)`);
    const source = readFileSync(file, 'utf8').replace(/\n\/\/# sourceMappingURL=.*$/m, '');
    const links = {};
    const packageName = Object.keys(PACKAGES).find((name) => PACKAGES[name] === file);
    for (const [, , specifier] of source.matchAll(REQUIRE_CALL)) {
      if (packageName && (OPTIONAL[packageName] ?? []).includes(specifier)) continue;
      const target = resolveFile(file, specifier);
      if (!target) throw new Error(`${relative(ROOT, file)} requires ${specifier}, which a browser does not have`);
      links[specifier] = idOf(target);
      pending.push(target);
    }
    modules.set(file, { id: idOf(file), source, links });
  }
  return [...modules.values()].sort((a, b) => a.id.localeCompare(b.id));
}

function idOf(file) {
  return relative(ROOT, file).split('\\').join('/');
}

/** A script can hold anything but its own end tag. */
function scriptSafe(text) {
  return text.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

function registry(modules) {
  const defined = modules
    .map((m) => `define(${JSON.stringify(m.id)}, ${JSON.stringify(m.links)}, function (require, module, exports) {\n${m.source}\n});`)
    .join('\n');
  return `var wardenModules = (function () {
  var factories = {}, links = {}, cache = {};
  function define(id, linked, factory) { factories[id] = factory; links[id] = linked; }
  function load(id) {
    if (cache[id]) return cache[id].exports;
    if (!factories[id]) throw new Error('no module ' + id + ' in this page');
    var module = { exports: {} };
    cache[id] = module;
    factories[id].call(module.exports, function (specifier) {
      if (!Object.prototype.hasOwnProperty.call(links[id], specifier)) throw new Error(id + ' requires ' + specifier + ', which this page does not hold');
      return load(links[id][specifier]);
    }, module, module.exports);
    return module.exports;
  }
${defined}
  return { load: load };
})();`;
}

const PAGE_SCRIPT = String.raw`
(function () {
  var EXPORT = 'dist/libs/ledger/src/export/';
  var core = wardenModules.load(EXPORT + 'verify-export-bundle.js');
  var choose = wardenModules.load(EXPORT + 'choose-bundle-crypto.js');
  var failures = wardenModules.load(EXPORT + 'bundle-failure.js');
  var NAMES = ['manifest.json', 'events.jsonl', 'keys.jsonl', 'checkpoints.jsonl', 'log.json', 'payloads.jsonl'];

  /**
   * Verifies a bundle: files by name (string or Uint8Array). options: rootFingerprint,
   * witnessKeys, and subtle (null: no WebCrypto, so tweetnacl). Resolves to the verifier's answer.
   */
  window.wardenVerifyBundle = async function (files, options) {
    var crypto = await choose.choosePortableBundleCrypto(options && options.subtle === null ? null : undefined);
    return core.verifyExportBundle(files, {
      rootFingerprint: String((options && options.rootFingerprint) || '').trim(),
      witnessKeys: ((options && options.witnessKeys) || []).map(function (k) { return String(k).trim(); }).filter(Boolean),
      allowUnsignedManifest: Boolean(options && options.allowUnsignedManifest),
      crypto: crypto,
    });
  };

  var $ = function (id) { return document.getElementById(id); };
  var result = $('result');

  function show(state, text) {
    result.dataset.state = state;
    result.className = state;
    result.textContent = text;
  }

  async function verifyFiles(list) {
    var files = {};
    for (var i = 0; i < list.length; i++) {
      var name = list[i].name;
      if (NAMES.indexOf(name) >= 0) files[name] = new Uint8Array(await list[i].arrayBuffer());
    }
    var witnessKeys = $('witnesses').value.split('\n');
    show('running', 'verifying ' + Object.keys(files).length + ' files\u2026');
    try {
      var answer = await window.wardenVerifyBundle(files, { rootFingerprint: $('pin').value, witnessKeys: witnessKeys, allowUnsignedManifest: $('allow-unsigned').checked });
      if (answer.ok) {
        var cosigned = answer.checkpoints.filter(function (c) { return c.cosignatures.length > 0; }).length;
        show('ok', 'OK: ' + answer.events + ' events of ' + answer.org + ' (leaves ' + answer.firstLeaf + '..' + (answer.firstLeaf + answer.events - 1) + '), '
          + answer.checkpoints.length + ' checkpoints (' + cosigned + ' cosigned), ' + answer.payloads.lines + ' payload lines ('
          + answer.payloads.erased + ' erased, ' + answer.payloads.included + ' with content); manifest '
          + (answer.manifestSignedBy ? 'signed by ' + answer.manifestSignedBy : 'unsigned (format version 1)') + '. Crypto: ' + answer.crypto + '.');
      } else {
        show('failed', 'FAILED: ' + failures.formatBundleFailure(answer.failure));
      }
      result.dataset.answer = JSON.stringify(answer);
    } catch (error) {
      show('failed', 'FAILED: ' + (error && error.message ? error.message : String(error)));
    }
  }

  /** A dropped folder's files (one level), or the dropped files themselves. */
  async function droppedFiles(transfer) {
    var out = [];
    var entries = [];
    for (var i = 0; i < transfer.items.length; i++) {
      var entry = transfer.items[i].webkitGetAsEntry && transfer.items[i].webkitGetAsEntry();
      if (entry) entries.push(entry);
    }
    if (entries.length === 0) return Array.prototype.slice.call(transfer.files);
    for (var e = 0; e < entries.length; e++) {
      if (entries[e].isFile) out.push(await new Promise(function (ok, ko) { entries[e].file(ok, ko); }));
      else if (entries[e].isDirectory) {
        var reader = entries[e].createReader();
        for (;;) {
          var batch = await new Promise(function (ok, ko) { reader.readEntries(ok, ko); });
          if (batch.length === 0) break;
          for (var b = 0; b < batch.length; b++) if (batch[b].isFile) out.push(await new Promise(function (ok, ko) { batch[b].file(ok, ko); }));
        }
      }
    }
    return out;
  }

  $('pick').addEventListener('change', function (event) { verifyFiles(event.target.files); });
  $('pick-files').addEventListener('change', function (event) { verifyFiles(event.target.files); });
  var drop = $('drop');
  drop.addEventListener('dragover', function (event) { event.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', function () { drop.classList.remove('over'); });
  drop.addEventListener('drop', async function (event) {
    event.preventDefault();
    drop.classList.remove('over');
    verifyFiles(await droppedFiles(event.dataTransfer));
  });
  show('idle', 'Pin the root fingerprint, then drop the bundle.');
})();
`;

function page(modules) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>warden: verify an export bundle</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; }
  label { display: block; margin: .8rem 0 .2rem; font-weight: 600; }
  input[type=text], textarea { width: 100%; font: 13px ui-monospace, monospace; padding: .4rem; box-sizing: border-box; }
  #drop { margin: 1rem 0; padding: 2rem; border: 2px dashed #888; border-radius: 8px; text-align: center; }
  #drop.over { border-color: #0a6; background: #f0fff6; }
  #result { white-space: pre-wrap; padding: 1rem; border-radius: 6px; background: #f4f4f4; font: 13px ui-monospace, monospace; }
  #result.ok { background: #e6f7ec; color: #064; }
  #result.failed { background: #fdeaea; color: #900; }
</style>
</head>
<body>
<h1>Verify a warden export bundle</h1>
<p>Everything runs in this page: nothing is sent anywhere (the page may load nothing, by its content security policy).
It checks what <code>warden verify-export</code> checks (docs/export-bundle.md): every file against the manifest, the root key
against your pin, the key registrations, every event's hash, signature and chain link, the payload lines, every checkpoint's
signature and cosignatures, and that the events rebuild each signed root. It stops at the first failure and names it.</p>
<label for="pin">Root fingerprint (the root key id <code>ed25519:…</code>, or the SHA-256 of the raw root key)</label>
<input type="text" id="pin" autocomplete="off" spellcheck="false">
<label for="witnesses">Witness verifier keys, one a line (a cosignature by any other key fails the bundle)</label>
<textarea id="witnesses" rows="2" spellcheck="false"></textarea>
<label style="font-weight:normal"><input type="checkbox" id="allow-unsigned"> Accept a format 1 bundle, whose manifest is unsigned (made before manifests were signed)</label>
<div id="drop">Drop the bundle folder (or its six files) here, or choose
  <label style="display:inline;font-weight:normal">the folder <input type="file" id="pick" webkitdirectory multiple></label>
  <label style="display:inline;font-weight:normal">or the files <input type="file" id="pick-files" multiple></label></div>
<div id="result" role="status" aria-live="polite"></div>
<script>
${scriptSafe(registry(modules))}
${scriptSafe(PAGE_SCRIPT)}
</script>
</body>
</html>
`;
}

const out = resolve(process.argv[2] ?? join(DIST, 'verify-export.html'));
const modules = collect();
writeFileSync(out, page(modules));
process.stdout.write(`verify-export page: ${idOf(out)} (${modules.length} modules, ${Math.round(readFileSync(out).length / 1024)} KiB)\n`);
