import { createHash, type Hash } from 'node:crypto';
import type { EventEnvelope } from '../envelope';
import { LedgerError } from '../errors';
import { canonicalBytes } from '../canonical-json';
import { fromHex, sha256, toBase64Url } from '../hashing';
import type { Signer } from '../keys';
import { MerkleFrontier } from '../merkle/frontier';
import { rfc9162Hasher } from '../merkle/default-hasher';
import { toBase64 } from '../checkpoint/base64';
import {
  BUNDLE_FILES,
  DIGESTED_FILES,
  EXPORT_BUNDLE_FORMAT,
  EXPORT_BUNDLE_VERSION,
  type BundleCheckpointLine,
  type BundleLog,
  type BundleManifest,
  type BundlePayloadLine,
} from './bundle-format';

/**
 * The export bundle built in two passes over the organisation's log, each in leaf order, page by
 * page, holding no more than the chain heads, the frontier and the checkpoints (docs/export-bundle.md):
 * ExportPlanner finds the range's leaves and the tree before them; ExportBundleWriter turns the
 * leaves from the first exported one to the last checkpoint's size into the files' lines, handed to
 * a sink as they are made, and digests every file as it goes. buildExportBundle (in memory) is
 * these two over an array.
 */

/** What the store holds for one event's payload, looked up by the exporter. */
export type ExportPayload = { state: 'present'; content: unknown; salt?: Uint8Array } | { state: 'erased'; erasure: EventEnvelope } | { state: 'missing' };

export interface ExportRange {
  from?: string;
  to?: string;
}

export interface ExportPlan {
  range: ExportRange;
  /** Exported leaves: [firstLeaf, end). */
  firstLeaf: number;
  end: number;
  /** Leaves in the range that no checkpoint covers yet, left out. */
  uncovered: number;
  /** The checkpoints the bundle carries: after firstLeaf, up to the first covering `end`. */
  checkpoints: BundleCheckpointLine[];
  /** The leaves the writer takes: [firstLeaf, lastSize) (the events, then the tail). */
  lastSize: number;
  frontier: string[];
  /** Last {seq, hash} per stream before firstLeaf (log.json keeps those of the exported streams). */
  headsBefore: Map<string, { seq: number; hash: string }>;
}

/** Pass 1: fed every leaf of the organisation's log in order (`add`), then the log's checkpoints (`plan`). */
export class ExportPlanner {
  private leaves = 0;
  private first: number | undefined;
  private lastInRange = -1;
  private frontierBefore: string[] | undefined;
  private readonly frontier = MerkleFrontier.empty();
  private readonly heads = new Map<string, { seq: number; hash: string }>();

  constructor(private readonly range: ExportRange) {}

  /** Leaves seen so far (the next leaf's index). */
  get size(): number {
    return this.leaves;
  }

  /** Leaf index of the first event in the range, once seen. */
  get firstLeaf(): number | undefined {
    return this.first;
  }

  add(env: EventEnvelope): void {
    const index = this.leaves++;
    if (this.first === undefined && (this.range.from === undefined || env.at >= this.range.from)) {
      this.first = index;
      this.frontierBefore = this.frontier.state().hashes.map(toBase64);
    }
    if (this.first === undefined) {
      this.frontier.append(rfc9162Hasher.hashLeaf(fromHex(env.hash)));
      this.heads.set(env.stream, { seq: env.seq, hash: env.hash });
    } else if (this.range.to === undefined || env.at <= this.range.to) {
      this.lastInRange = index;
    }
  }

  /** `checkpoints`: every checkpoint of the log, ascending. */
  plan(checkpoints: readonly BundleCheckpointLine[]): ExportPlan {
    const firstLeaf = this.first ?? this.leaves;
    const end = Math.max(firstLeaf, this.lastInRange + 1);
    const covered = checkpoints.at(-1)?.size ?? 0;
    const clamped = Math.max(firstLeaf, Math.min(end, covered));
    const covering = clamped > firstLeaf ? checkpoints.findIndex((c) => c.size >= clamped) : -1;
    const carried = covering < 0 ? [] : checkpoints.slice(0, covering + 1).filter((c) => c.size > firstLeaf);
    return {
      range: this.range,
      firstLeaf,
      end: clamped,
      uncovered: end - clamped,
      checkpoints: carried,
      lastSize: carried.at(-1)?.size ?? clamped,
      frontier: this.frontierBefore ?? this.frontier.state().hashes.map(toBase64),
      headsBefore: this.heads,
    };
  }
}

export interface ExportHeader {
  org: string;
  origin: string;
  rootPublicKey: Uint8Array;
  createdAt: string;
  includePayloads: boolean;
  /** The exporting node's key: it signs the manifest (a key of the key stream the bundle carries). */
  signer: Signer;
}

/** Receives each file's text in order, a line (or a whole small file) at a time. */
export type BundleSink = (file: string, text: string) => void;

/** Pass 2: the keys and checkpoints first, then `addLeaf` for leaves firstLeaf..lastSize-1, then `finish`. */
export class ExportBundleWriter {
  private next: number;
  private readonly digests = new Map<string, { hash: Hash; bytes: number }>(DIGESTED_FILES.map((name) => [name, { hash: createHash('sha256'), bytes: 0 }]));
  private readonly streams = new Set<string>();
  private readonly tail: string[] = [];
  private readonly counts = { events: 0, keys: 0, payloads: 0, payloadsIncluded: 0, erased: 0 };

  constructor(
    private readonly plan: ExportPlan,
    private readonly header: ExportHeader,
    keyEvents: readonly EventEnvelope[],
    private readonly sink: BundleSink,
  ) {
    this.next = plan.firstLeaf;
    for (const env of keyEvents) this.emit(BUNDLE_FILES.keys, env);
    this.counts.keys = keyEvents.length;
    for (const line of plan.checkpoints) this.emit(BUNDLE_FILES.checkpoints, line);
  }

  /** Does the writer want more leaves? */
  get wants(): boolean {
    return this.next < this.plan.lastSize;
  }

  /** The leaf with index firstLeaf + n, in order; `payload` for an exported event that has one. */
  addLeaf(env: EventEnvelope, payload?: ExportPayload): void {
    if (!this.wants) throw new LedgerError('LEDGER.MALFORMED_EVENT', `leaf ${this.next} is past the bundle's last checkpoint`);
    const index = this.next++;
    if (index >= this.plan.end) {
      this.tail.push(env.hash);
      return;
    }
    this.emit(BUNDLE_FILES.events, env);
    this.counts.events++;
    this.streams.add(env.stream);
    if (!env.payload) return;
    const found = payload ?? { state: 'missing' };
    if (found.state === 'missing') throw new LedgerError('LEDGER.MALFORMED_EVENT', `event ${env.id} commits to a payload the store has neither kept nor erased by a signed erasure`);
    let line: BundlePayloadLine;
    if (found.state === 'erased') {
      line = { eventId: env.id, digest: env.payload.digest, state: 'erased', erasureEventId: found.erasure.id, erasure: found.erasure };
      this.counts.erased++;
    } else {
      line = { eventId: env.id, digest: env.payload.digest, state: 'present', ...(this.header.includePayloads ? includedContent(env.id, found) : {}) };
      if (this.header.includePayloads) this.counts.payloadsIncluded++;
    }
    this.counts.payloads++;
    this.emit(BUNDLE_FILES.payloads, line);
  }

  /** log.json, then the manifest (its text: the sink gets it last). Throws if leaves are missing. */
  finish(): { manifest: BundleManifest; manifestText: string; uncovered: number } {
    if (this.wants) throw new LedgerError('LEDGER.MALFORMED_EVENT', `the log ended at leaf ${this.next}, before its checkpoint of size ${this.plan.lastSize}`);
    const heads: BundleLog['heads'] = {};
    for (const [stream, head] of this.plan.headsBefore) if (this.streams.has(stream)) heads[stream] = head;
    const log: BundleLog = { origin: this.header.origin, firstLeaf: this.plan.firstLeaf, frontier: this.plan.frontier, tail: this.tail, heads };
    this.emit(BUNDLE_FILES.log, log);
    const { plan, header, counts } = this;
    const unsigned: BundleManifest = {
      format: EXPORT_BUNDLE_FORMAT,
      version: EXPORT_BUNDLE_VERSION,
      org: header.org,
      origin: header.origin,
      rootPublicKey: toBase64Url(header.rootPublicKey),
      createdAt: header.createdAt,
      range: { from: plan.range.from ?? null, to: plan.range.to ?? null, firstLeaf: plan.firstLeaf, events: counts.events, uncovered: plan.uncovered },
      counts: { events: counts.events, keys: counts.keys, checkpoints: plan.checkpoints.length, payloads: counts.payloads, payloadsIncluded: counts.payloadsIncluded, erased: counts.erased },
      payloadsIncluded: header.includePayloads,
      files: Object.fromEntries(DIGESTED_FILES.map((name) => [name, { sha256: this.digests.get(name)!.hash.digest('hex'), bytes: this.digests.get(name)!.bytes }])),
      auditRecord: { profile: 'sep-3004-draft', canonicalization: 'RFC8785', hash: 'sha-256', chain: 'prev' },
    };
    const manifest = signManifest(unsigned, header.signer);
    const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
    this.sink(BUNDLE_FILES.manifest, manifestText);
    return { manifest, manifestText, uncovered: plan.uncovered };
  }

  private emit(file: string, record: unknown): void {
    const text = `${JSON.stringify(record)}\n`;
    const digest = this.digests.get(file)!;
    digest.hash.update(text, 'utf8');
    digest.bytes += Buffer.byteLength(text, 'utf8');
    this.sink(file, text);
  }
}

/** The manifest with its signature (format version 2): Ed25519 over sha256(JCS(the manifest without it)). */
export function signManifest(manifest: Omit<BundleManifest, 'signature'>, signer: Signer): BundleManifest {
  const unsigned = { ...manifest, version: EXPORT_BUNDLE_VERSION } as BundleManifest;
  return { ...unsigned, signature: { kid: signer.kid, sig: toBase64Url(signer.sign(sha256(canonicalBytes(unsigned)))) } };
}

/** The content and its salt (the verifier recomputes the digest): a --payloads export needs both. */
function includedContent(eventId: string, found: { content: unknown; salt?: Uint8Array }): { content: unknown; salt: string } {
  if (!found.salt) throw new LedgerError('LEDGER.MALFORMED_EVENT', `the payload of event ${eventId} was looked up without its salt`);
  return { content: found.content, salt: toBase64Url(found.salt) };
}
