import type { EventEnvelope } from '../envelope';
import { LedgerError } from '../errors';
import { fromHex, sha256Hex, toBase64Url } from '../hashing';
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

/** What the store holds for one event's payload, looked up by the exporter. */
export type ExportPayload = { state: 'present'; content: unknown; salt?: Uint8Array } | { state: 'erased'; erasure: EventEnvelope } | { state: 'missing' };

export interface ExportSource {
  org: string;
  origin: string;
  rootPublicKey: Uint8Array;
  createdAt: string;
  range: { from?: string; to?: string };
  /** The organisation's whole log in leaf order (global commit order), at least up to its latest checkpoint. */
  orgEvents: readonly EventEnvelope[];
  /** The key stream, whole. */
  keyEvents: readonly EventEnvelope[];
  /** Every checkpoint of the log, ascending, each note with its cosignature lines. */
  checkpoints: readonly BundleCheckpointLine[];
  includePayloads: boolean;
  /** The payload of an event that has one (eventId → lookup). */
  payloads: ReadonlyMap<string, ExportPayload>;
}

export interface BuiltBundle {
  files: Record<string, string>;
  manifest: BundleManifest;
  /** Events in the range left out because no checkpoint covers them yet. */
  uncovered: number;
}

/** Which leaves an export holds: those timed within the range, up to what the latest checkpoint covers. */
export function exportLeafRange(source: Pick<ExportSource, 'orgEvents' | 'checkpoints' | 'range'>): { firstLeaf: number; end: number; uncovered: number } {
  const { orgEvents, range } = source;
  let firstLeaf = orgEvents.findIndex((e) => range.from === undefined || e.at >= range.from);
  if (firstLeaf < 0) firstLeaf = orgEvents.length;
  let end = firstLeaf;
  for (let i = orgEvents.length - 1; i >= firstLeaf; i--) {
    if (range.to === undefined || orgEvents[i].at <= range.to) {
      end = i + 1;
      break;
    }
  }
  const covered = source.checkpoints.at(-1)?.size ?? 0;
  const clamped = Math.max(firstLeaf, Math.min(end, covered));
  return { firstLeaf: Math.min(firstLeaf, clamped), end: clamped, uncovered: end - clamped };
}

/** Builds the files of a bundle (docs/export-bundle.md). Throws LedgerError when a payload the ledger commits to is missing. */
export function buildExportBundle(source: ExportSource): BuiltBundle {
  const { firstLeaf, end, uncovered } = exportLeafRange(source);
  const exported = source.orgEvents.slice(firstLeaf, end);
  const covering = end > firstLeaf ? source.checkpoints.findIndex((c) => c.size >= end) : -1;
  const checkpoints = covering < 0 ? [] : source.checkpoints.slice(0, covering + 1).filter((c) => c.size > firstLeaf);
  const lastSize = checkpoints.at(-1)?.size ?? end;

  const frontier = MerkleFrontier.empty();
  for (const env of source.orgEvents.slice(0, firstLeaf)) frontier.append(rfc9162Hasher.hashLeaf(fromHex(env.hash)));
  const streams = new Set(exported.map((e) => e.stream));
  const heads: BundleLog['heads'] = {};
  for (const env of source.orgEvents.slice(0, firstLeaf)) if (streams.has(env.stream)) heads[env.stream] = { seq: env.seq, hash: env.hash };
  const log: BundleLog = {
    origin: source.origin,
    firstLeaf,
    frontier: frontier.state().hashes.map(toBase64),
    tail: source.orgEvents.slice(end, lastSize).map((e) => e.hash),
    heads,
  };

  const payloadLines: BundlePayloadLine[] = [];
  for (const env of exported) {
    if (!env.payload) continue;
    const found = source.payloads.get(env.id) ?? { state: 'missing' };
    if (found.state === 'missing') throw new LedgerError('LEDGER.MALFORMED_EVENT', `event ${env.id} commits to a payload the store has neither kept nor erased by a signed erasure`);
    payloadLines.push(
      found.state === 'erased'
        ? { eventId: env.id, digest: env.payload.digest, state: 'erased', erasureEventId: found.erasure.id, erasure: found.erasure }
        : { eventId: env.id, digest: env.payload.digest, state: 'present', ...(source.includePayloads ? includedContent(env.id, found) : {}) },
    );
  }

  const files: Record<string, string> = {
    [BUNDLE_FILES.events]: jsonl(exported),
    [BUNDLE_FILES.keys]: jsonl(source.keyEvents),
    [BUNDLE_FILES.checkpoints]: jsonl(checkpoints),
    [BUNDLE_FILES.log]: `${JSON.stringify(log)}\n`,
    [BUNDLE_FILES.payloads]: jsonl(payloadLines),
  };
  const manifest: BundleManifest = {
    format: EXPORT_BUNDLE_FORMAT,
    version: EXPORT_BUNDLE_VERSION,
    org: source.org,
    origin: source.origin,
    rootPublicKey: toBase64Url(source.rootPublicKey),
    createdAt: source.createdAt,
    range: { from: source.range.from ?? null, to: source.range.to ?? null, firstLeaf, events: exported.length, uncovered },
    counts: {
      events: exported.length,
      keys: source.keyEvents.length,
      checkpoints: checkpoints.length,
      payloads: payloadLines.length,
      payloadsIncluded: payloadLines.filter((p) => p.state === 'present' && p.content !== undefined).length,
      erased: payloadLines.filter((p) => p.state === 'erased').length,
    },
    payloadsIncluded: source.includePayloads,
    files: Object.fromEntries(DIGESTED_FILES.map((name) => [name, digestOf(files[name])])),
    auditRecord: { profile: 'sep-3004-draft', canonicalization: 'RFC8785', hash: 'sha-256', chain: 'prev' },
  };
  files[BUNDLE_FILES.manifest] = `${JSON.stringify(manifest, null, 2)}\n`;
  return { files, manifest, uncovered };
}

/** The content and its salt (the verifier recomputes the digest): a --payloads export needs both. */
function includedContent(eventId: string, found: { content: unknown; salt?: Uint8Array }): { content: unknown; salt: string } {
  if (!found.salt) throw new LedgerError('LEDGER.MALFORMED_EVENT', `the payload of event ${eventId} was looked up without its salt`);
  return { content: found.content, salt: toBase64Url(found.salt) };
}

/** Recomputes the manifest's file digests (after a deliberate edit: tests, tools). */
export function redigestBundle(files: Record<string, string>): Record<string, string> {
  const manifest = JSON.parse(files[BUNDLE_FILES.manifest]) as BundleManifest;
  manifest.files = Object.fromEntries(DIGESTED_FILES.map((name) => [name, digestOf(files[name] ?? '')]));
  return { ...files, [BUNDLE_FILES.manifest]: `${JSON.stringify(manifest, null, 2)}\n` };
}

function digestOf(text: string): { sha256: string; bytes: number } {
  const bytes = Buffer.from(text, 'utf8');
  return { sha256: sha256Hex(bytes), bytes: bytes.length };
}

function jsonl(records: readonly unknown[]): string {
  return records.map((r) => `${JSON.stringify(r)}\n`).join('');
}
