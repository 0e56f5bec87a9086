import { ChainVerifier } from '../chain-verifier';
import type { EventEnvelope } from '../envelope';
import { KEY_REGISTERED_TYPE, KEY_REVOKED_TYPE } from '../key-events';
import { createMerkleHasher, type MerkleHasher } from '../merkle/hasher';
import type { BundleCrypto } from './bundle-crypto';
import { bytesOfBase64, bytesOfBase64Url, bytesOfHex, hexOf, sameBytes, utf8 } from './bundle-bytes';
import { checkEnvelopeLine } from './bundle-envelope';
import { BundleFailureError, type BundleFailure } from './bundle-failure';
import { canonicalJsonOfParsed } from '../canonical-json';
import { BUNDLE_FILES, DIGESTED_FILES, EXPORT_BUNDLE_FORMAT, READABLE_BUNDLE_VERSIONS, type BundleLog, type BundleManifest } from './bundle-format';
import { fail, pinnedRoot, readKeyDirectory, type BundleKeyDirectory } from './bundle-keys';
import { openBundleCheckpoint, parseWitnessKey, type WitnessKey } from './bundle-notes';
import { checkPayloadLines } from './bundle-payloads';

/**
 * Verifies an export bundle offline (no server, no database; no Node module: the crypto is
 * injected, so a browser runs the same code). Every file's digest; the root key against the pin;
 * the key stream; every event (shape, organisation, uniqueness, hash, key registered and not
 * revoked at its time, signature, chain link); every payload line; every checkpoint (note
 * signature by a registered node key, cosignatures by the given witnesses only, sizes increasing)
 * and that the events, in order, rebuild the signed root at each checkpoint's size (so each event
 * is included, and consecutive checkpoints are consistent). Stops at the first failure and names it.
 */
export interface VerifyExportOptions {
  /** The pinned root: its kid (ed25519:<32 hex>) or the hex SHA-256 of its raw key. */
  rootFingerprint: string;
  /** Witnesses' cosignature/v1 verifier keys; a cosignature by any other key fails the bundle. */
  witnessKeys?: readonly string[];
  /**
   * Accept a version 1 bundle, whose manifest is unsigned (made before format 2). Off by default:
   * otherwise anyone could strip a version 2 manifest's signature and call it version 1.
   */
  allowUnsignedManifest?: boolean;
  crypto: BundleCrypto;
  /** Called every `progressEvery` events (default 10,000). */
  onProgress?: (eventsVerified: number, total: number) => void;
  progressEvery?: number;
}

export interface VerifiedBundle {
  ok: true;
  org: string;
  origin: string;
  /** The bundle's format version, and the key that signed its manifest (null: version 1, whose manifest is unsigned). */
  version: number;
  manifestSignedBy: string | null;
  events: number;
  firstLeaf: number;
  checkpoints: Array<{ size: number; signedBy: string; cosignatures: Array<{ witness: string; timestamp: number }> }>;
  payloads: { lines: number; present: number; included: number; erased: number };
  crypto: BundleCrypto['name'];
}

export type BundleVerification = VerifiedBundle | { ok: false; failure: BundleFailure };

/** Files by name (a directory's files, or a browser's dropped files), as text or bytes. */
export type BundleFiles = Readonly<Record<string, string | Uint8Array | undefined>>;

const SIGNATURE_BATCH = 512;

export async function verifyExportBundle(files: BundleFiles, options: VerifyExportOptions): Promise<BundleVerification> {
  try {
    return await verify(files, options);
  } catch (error) {
    if (error instanceof BundleFailureError) return { ok: false, failure: error.failure };
    throw error;
  }
}

async function verify(files: BundleFiles, options: VerifyExportOptions): Promise<VerifiedBundle> {
  const { crypto } = options;
  const manifest = readManifest(files, crypto);
  const root = pinnedRoot(manifest.rootPublicKey, options.rootFingerprint, crypto);
  const witnesses = (options.witnessKeys ?? []).map((vkey) => parseWitnessKey(vkey, crypto));
  const keys = await readKeyDirectory(linesOf(files, BUNDLE_FILES.keys), root, crypto);
  const manifestSignedBy = await checkManifestSignature(manifest, keys, crypto, options.allowUnsignedManifest === true);
  const log = readLog(files, manifest);
  const eventLines = linesOf(files, BUNDLE_FILES.events);
  const events = await checkEvents(eventLines, manifest.org, keys, log, options);
  // After the events, so that a dropped or added event is named by its own check, not by the count.
  if (eventLines.length !== manifest.counts.events || eventLines.length !== manifest.range.events) {
    fail('MANIFEST', BUNDLE_FILES.manifest, `the manifest counts ${manifest.counts.events} events, events.jsonl has ${eventLines.length}`);
  }
  const payloads = await checkPayloadLines(linesOf(files, BUNDLE_FILES.payloads), events.byId, manifest, crypto, keys);
  const checkpoints = await checkCheckpoints(linesOf(files, BUNDLE_FILES.checkpoints), manifest, log, events, keys, witnesses, crypto);
  return { ok: true, org: manifest.org, origin: manifest.origin, version: manifest.version, manifestSignedBy, events: eventLines.length, firstLeaf: log.firstLeaf, checkpoints, payloads, crypto: crypto.name };
}

function readManifest(files: BundleFiles, crypto: BundleCrypto): BundleManifest {
  const text = textOf(files, BUNDLE_FILES.manifest);
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(text) as BundleManifest;
  } catch {
    return fail('MANIFEST', BUNDLE_FILES.manifest, 'not JSON');
  }
  if (manifest?.format !== EXPORT_BUNDLE_FORMAT || !READABLE_BUNDLE_VERSIONS.includes(manifest.version)) {
    fail('MANIFEST', BUNDLE_FILES.manifest, `not a ${EXPORT_BUNDLE_FORMAT} manifest of version ${READABLE_BUNDLE_VERSIONS.join(' or ')}`);
  }
  if (typeof manifest.org !== 'string' || typeof manifest.origin !== 'string' || typeof manifest.files !== 'object' || !manifest.counts || !manifest.range) {
    fail('MANIFEST', BUNDLE_FILES.manifest, 'the manifest lacks org, origin, range, counts or files');
  }
  for (const name of DIGESTED_FILES) {
    const listed = manifest.files[name];
    if (!listed) fail('MANIFEST', BUNDLE_FILES.manifest, `the manifest does not digest ${name}`);
    const bytes = bytesOf(files, name);
    const digest = hexOf(crypto.sha256(bytes));
    if (bytes.length !== listed.bytes || digest !== listed.sha256) {
      fail('FILE_DIGEST', name, `${bytes.length} bytes with sha256 ${digest}; the manifest says ${listed.bytes} bytes, ${listed.sha256} (truncated or edited)`);
    }
  }
  return manifest;
}

/**
 * Version 2: the manifest's signature, by a node key of the key stream that was registered and not
 * revoked when the bundle was created, over sha256(JCS(the manifest without it)). Version 1
 * bundles (made before manifests were signed) have none: refused unless the caller accepts
 * unsigned manifests (then null).
 */
async function checkManifestSignature(manifest: BundleManifest, keys: BundleKeyDirectory, crypto: BundleCrypto, allowUnsigned: boolean): Promise<string | null> {
  const file = BUNDLE_FILES.manifest;
  const { signature, ...unsigned } = manifest;
  if (manifest.version === 1) {
    if (signature !== undefined) fail('MANIFEST', file, 'a version 1 manifest carries no signature');
    if (!allowUnsigned) fail('MANIFEST_SIGNATURE', file, 'a version 1 bundle: its manifest is unsigned (accept it only for a bundle made before format 2, and knowingly: --allow-unsigned-manifest)');
    return null;
  }
  if (typeof signature !== 'object' || signature === null || typeof signature.kid !== 'string' || typeof signature.sig !== 'string') {
    fail('MANIFEST_SIGNATURE', file, 'a version 2 manifest is signed: it has no signature {kid, sig}');
  }
  const key = keys.keys.get(signature.kid);
  if (!key) fail('MANIFEST_SIGNATURE', file, `signed by ${signature.kid}, which the key stream does not register`);
  if (typeof manifest.createdAt !== 'string' || key.registeredAt > manifest.createdAt) fail('MANIFEST_SIGNATURE', file, `signed by ${signature.kid}, registered only after the bundle's createdAt`);
  if (key.revokedAt !== undefined && key.revokedAt <= manifest.createdAt) fail('MANIFEST_SIGNATURE', file, `signed by ${signature.kid}, revoked at ${key.revokedAt}, before the bundle was created`);
  const sig = bytesOfBase64Url(signature.sig);
  let message: Uint8Array;
  try {
    message = crypto.sha256(utf8.encode(canonicalJsonOfParsed(unsigned)));
  } catch {
    return fail('MANIFEST', file, 'the manifest cannot be canonicalised (RFC 8785)');
  }
  if (!sig || sig.length !== 64 || !(await crypto.verifyEd25519(key.publicKey, message, sig))) {
    fail('MANIFEST_SIGNATURE', file, `the signature by ${signature.kid} does not verify: the manifest is not the one the node signed`);
  }
  return signature.kid;
}

function readLog(files: BundleFiles, manifest: BundleManifest): BundleLog {
  let log: BundleLog;
  try {
    log = JSON.parse(textOf(files, BUNDLE_FILES.log)) as BundleLog;
  } catch {
    return fail('MANIFEST', BUNDLE_FILES.log, 'not JSON');
  }
  const wellFormed = log && log.origin === manifest.origin && Number.isSafeInteger(log.firstLeaf) && log.firstLeaf === manifest.range.firstLeaf
    && Array.isArray(log.frontier) && Array.isArray(log.tail) && typeof log.heads === 'object' && log.heads !== null;
  if (!wellFormed) fail('MANIFEST', BUNDLE_FILES.log, 'log.json does not describe this bundle\u2019s log (origin, firstLeaf, frontier, tail, heads)');
  return log;
}

interface CheckedEvents {
  byId: Map<string, { env: EventEnvelope; line: number }>;
  leafHashes: Uint8Array[];
  hasher: MerkleHasher;
}

async function checkEvents(lines: string[], org: string, keys: BundleKeyDirectory, log: BundleLog, options: VerifyExportOptions): Promise<CheckedEvents> {
  const { crypto } = options;
  const hasher = createMerkleHasher(crypto.sha256);
  const chain = new ChainVerifier(Object.entries(log.heads));
  const byId = new Map<string, { env: EventEnvelope; line: number }>();
  const leafHashes: Uint8Array[] = [];
  const every = options.progressEvery ?? 10_000;
  // Signature checks of a batch may be asynchronous (WebCrypto, worker threads): the next batch's
  // synchronous checks run while they are under way, and the earliest failure still wins.
  const outstanding: Array<Array<{ line: number; eventId: string; kid: string; ok: boolean | Promise<boolean> }>> = [];
  const settle = async (batch: (typeof outstanding)[number]): Promise<void> => {
    const results = await Promise.all(batch.map((s) => s.ok));
    const bad = batch.find((_, n) => !results[n]);
    if (bad) fail('BAD_SIGNATURE', BUNDLE_FILES.events, `the signature does not verify under ${bad.kid}`, bad.line, bad.eventId);
  };
  for (let start = 0; start < lines.length; start += SIGNATURE_BATCH) {
    const end = Math.min(lines.length, start + SIGNATURE_BATCH);
    const signatures: (typeof outstanding)[number] = [];
    let failure: BundleFailure | undefined;
    for (let i = start; i < end && !failure; i++) {
      const line = i + 1;
      const checked = checkEnvelopeLine(lines[i], crypto);
      if (!checked.ok) {
        failure = { check: checked.check, file: BUNDLE_FILES.events, line, eventId: checked.eventId, detail: checked.detail };
        break;
      }
      const { env } = checked;
      const at = (check: BundleFailure['check'], detail: string): BundleFailure => ({ check, file: BUNDLE_FILES.events, line, eventId: env.id, detail });
      const key = keys.keys.get(env.kid);
      if (env.org !== org) failure = at('WRONG_ORG', `an event of ${env.org} in the export of ${org}`);
      else if (byId.has(env.id)) failure = at('DUPLICATE_EVENT', `event ${env.id} is already line ${byId.get(env.id)!.line}`);
      else if (env.kid === keys.rootKid) failure = at('ROOT_SIGNED_EVENT', `a ${env.type} signed by the root key`);
      else if (env.type === KEY_REGISTERED_TYPE || env.type === KEY_REVOKED_TYPE) failure = at('KEY_EVENT', `a ${env.type} among the organisation's events`);
      else if (!key) failure = at('UNKNOWN_KEY', `signed by ${env.kid}, which the root never registered`);
      else if (env.at < key.registeredAt) failure = at('KEY_NOT_YET_REGISTERED', `signed at ${env.at} by ${env.kid}, registered only at ${key.registeredAt}`);
      else if (key.revokedAt !== undefined && env.at > key.revokedAt) failure = at('KEY_REVOKED', `signed at ${env.at} by ${env.kid}, revoked at ${key.revokedAt}`);
      if (failure) break;
      signatures.push({ line, eventId: env.id, kid: env.kid, ok: crypto.verifyEd25519(key!.publicKey, checked.hashBytes, checked.signature) });
      const link = chain.check(env);
      if (link) {
        failure = at(link.reason, link.detail);
        break;
      }
      byId.set(env.id, { env, line });
      leafHashes.push(hasher.hashLeaf(checked.hashBytes));
    }
    outstanding.push(signatures);
    if (failure) {
      // Every signature before the failing line is settled first: an earlier bad one is the first failure.
      while (outstanding.length > 0) await settle(outstanding.shift()!);
      throw new BundleFailureError(failure);
    }
    while (outstanding.length > 1) await settle(outstanding.shift()!);
    if (options.onProgress && (Math.floor(end / every) > Math.floor(start / every) || end === lines.length)) options.onProgress(end, lines.length);
  }
  while (outstanding.length > 0) await settle(outstanding.shift()!);
  return { byId, leafHashes, hasher };
}

async function checkCheckpoints(
  lines: string[],
  manifest: BundleManifest,
  log: BundleLog,
  events: CheckedEvents,
  keys: BundleKeyDirectory,
  witnesses: readonly WitnessKey[],
  crypto: BundleCrypto,
): Promise<VerifiedBundle['checkpoints']> {
  const file = BUNDLE_FILES.checkpoints;
  if (lines.length !== manifest.counts.checkpoints) fail('MANIFEST', BUNDLE_FILES.manifest, `the manifest counts ${manifest.counts.checkpoints} checkpoints, the file has ${lines.length}`);
  const exportedEnd = log.firstLeaf + events.leafHashes.length;
  const tail = log.tail.map((hex) => bytesOfHex(hex));
  if (tail.some((h) => !h || h.length !== 32)) fail('MANIFEST', BUNDLE_FILES.log, 'tail leaves are hex SHA-256 envelope hashes');
  const tree = new TreeBuilder(log, events.hasher);
  for (const leaf of events.leafHashes) tree.append(leaf);
  for (const hash of tail) tree.append(events.hasher.hashLeaf(hash!));

  const verified: VerifiedBundle['checkpoints'] = [];
  let previous = log.firstLeaf;
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    let entry: { size?: unknown; eventId?: unknown; note?: unknown };
    try {
      entry = JSON.parse(lines[i]);
    } catch {
      return fail('CHECKPOINT_MALFORMED', file, 'the line is not JSON', line);
    }
    const opened = await openBundleCheckpoint(entry.note, manifest.origin, keys, witnesses, crypto);
    const eventId = typeof entry.eventId === 'string' ? entry.eventId : undefined;
    if (!opened.ok) fail(opened.check, file, opened.detail, line, eventId);
    const { size, rootHash } = opened.checkpoint;
    if (entry.size !== size) fail('CHECKPOINT_MALFORMED', file, `the line says size ${String(entry.size)}, its note ${size}`, line, eventId);
    if (size <= previous) fail('CHECKPOINT_ROLLBACK', file, `a checkpoint of size ${size} after one of size ${previous}: checkpoints only grow`, line, eventId);
    if (size > tree.size) fail('NOT_COVERED', file, `a checkpoint of size ${size}, but the bundle holds leaves up to ${tree.size}`, line, eventId);
    const recorded = eventId ? events.byId.get(eventId) : undefined;
    if (recorded && (recorded.env.data as { note?: unknown }).note !== undefined && bodyOf((recorded.env.data as { note: string }).note) !== opened.body) {
      fail('CHECKPOINT_EVENT', file, `the checkpoint differs from the one event ${eventId} (line ${recorded.line} of events.jsonl) recorded`, line, eventId);
    }
    const rebuilt = tree.rootAt(size);
    if (!sameBytes(rebuilt, rootHash)) {
      fail('CHECKPOINT_MISMATCH', file, `the signed root of size ${size} is not the root of the bundle's leaves ${log.firstLeaf}..${size - 1}: an event was edited, dropped, added or moved (events.jsonl lines 1..${Math.min(size, exportedEnd) - log.firstLeaf})`, line, eventId);
    }
    verified.push({ size, signedBy: opened.signedBy, cosignatures: opened.cosignatures });
    previous = size;
  }
  if (previous !== tree.size || (lines.length === 0 && events.leafHashes.length > 0)) {
    fail('NOT_COVERED', file, `leaves ${previous}..${tree.size - 1} (events or tail) are covered by no checkpoint in the bundle`);
  }
  return verified;
}

function bodyOf(note: string): string {
  const split = note.lastIndexOf('\n\n');
  return split < 0 ? note : note.slice(0, split + 1);
}

/** The tree over frontier + leaves, grown to each checkpoint's size in turn (RFC 9162 MTH): one pass however many checkpoints. */
class TreeBuilder {
  private readonly leaves: Uint8Array[] = [];
  private readonly stack: Uint8Array[];
  private count: number;

  constructor(
    private readonly log: BundleLog,
    private readonly hasher: MerkleHasher,
  ) {
    const base = log.frontier.map((h) => bytesOfBase64(h));
    if (base.some((h) => !h || h.length !== 32) || base.length !== popcount(log.firstLeaf)) {
      fail('MANIFEST', BUNDLE_FILES.log, `a frontier of size ${log.firstLeaf} is ${popcount(log.firstLeaf)} base64 32-byte hashes`);
    }
    this.stack = base as Uint8Array[];
    this.count = log.firstLeaf;
  }

  /** Leaves held: the frontier's and the appended ones. */
  get size(): number {
    return this.log.firstLeaf + this.leaves.length;
  }

  append(leafHash: Uint8Array): void {
    this.leaves.push(leafHash);
  }

  /** The root at `size`, which is at least the size asked before (checkpoints only grow). */
  rootAt(size: number): Uint8Array {
    for (; this.count < size; this.count++) {
      let hash = this.leaves[this.count - this.log.firstLeaf];
      for (let rest = this.count; rest % 2 === 1; rest = Math.floor(rest / 2)) hash = this.hasher.hashChildren(this.stack.pop()!, hash);
      this.stack.push(hash);
    }
    if (this.stack.length === 0) return this.hasher.emptyRoot;
    let acc = this.stack[this.stack.length - 1];
    for (let i = this.stack.length - 2; i >= 0; i--) acc = this.hasher.hashChildren(this.stack[i], acc);
    return acc;
  }
}

function popcount(n: number): number {
  let count = 0;
  for (let rest = n; rest > 0; rest = Math.floor(rest / 2)) count += rest % 2;
  return count;
}

function bytesOf(files: BundleFiles, name: string): Uint8Array {
  const content = files[name];
  if (content === undefined) return fail('FILE_MISSING', name, `the bundle has no ${name}`);
  return typeof content === 'string' ? utf8.encode(content) : content;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function textOf(files: BundleFiles, name: string): string {
  const content = files[name];
  if (content === undefined) return fail('FILE_MISSING', name, `the bundle has no ${name}`);
  if (typeof content === 'string') return content;
  try {
    return strictUtf8.decode(content);
  } catch {
    return fail('FILE_DIGEST', name, 'not UTF-8');
  }
}

/** A .jsonl file's lines: every line ends in "\n"; an empty file has none. */
export function linesOf(files: BundleFiles, name: string): string[] {
  const text = textOf(files, name);
  if (text === '') return [];
  if (!text.endsWith('\n')) fail('MALFORMED', name, 'a .jsonl file ends with a newline (truncated?)');
  return text.slice(0, -1).split('\n');
}
