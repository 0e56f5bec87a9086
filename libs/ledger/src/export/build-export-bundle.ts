import type { EventEnvelope } from '../envelope';
import type { Signer } from '../keys';
import { sha256Hex } from '../hashing';
import { BUNDLE_FILES, DIGESTED_FILES, type BundleCheckpointLine, type BundleManifest } from './bundle-format';
import { ExportBundleWriter, ExportPlanner, signManifest, type ExportPayload } from './stream-export-bundle';

export type { ExportPayload } from './stream-export-bundle';

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
  /** The exporting node's key (it signs the manifest). */
  signer: Signer;
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
  const { firstLeaf, end, uncovered } = planOf(source);
  return { firstLeaf, end, uncovered };
}

/** Builds the files of a bundle in memory (docs/export-bundle.md): the streaming builder over an array. Throws LedgerError when a payload the ledger commits to is missing. */
export function buildExportBundle(source: ExportSource): BuiltBundle {
  const plan = planOf(source);
  const parts: Record<string, string[]> = Object.fromEntries(Object.values(BUNDLE_FILES).map((name) => [name, [] as string[]]));
  const writer = new ExportBundleWriter(plan, source, source.keyEvents, (file, text) => parts[file].push(text));
  for (let i = plan.firstLeaf; i < plan.lastSize && i < source.orgEvents.length; i++) {
    const env = source.orgEvents[i];
    writer.addLeaf(env, env.payload ? source.payloads.get(env.id) : undefined);
  }
  const { manifest, uncovered } = writer.finish();
  const files = Object.fromEntries(Object.entries(parts).map(([name, texts]) => [name, texts.join('')]));
  return { files, manifest, uncovered };
}

function planOf(source: Pick<ExportSource, 'orgEvents' | 'checkpoints' | 'range'>) {
  const planner = new ExportPlanner(source.range);
  for (const env of source.orgEvents) planner.add(env);
  return planner.plan(source.checkpoints);
}

/**
 * Recomputes the manifest's file digests after a deliberate edit (tests, tools), and signs it
 * again with `signer` if given (an insider holding the node key); otherwise its signature stays
 * the one of the files before the edit (and no longer verifies).
 */
export function redigestBundle(files: Record<string, string>, signer?: Signer): Record<string, string> {
  const { signature, ...manifest } = JSON.parse(files[BUNDLE_FILES.manifest]) as BundleManifest;
  manifest.files = Object.fromEntries(DIGESTED_FILES.map((name) => [name, digestOf(files[name] ?? '')]));
  const signed = signer ? signManifest(manifest, signer) : { ...manifest, ...(signature ? { signature } : {}) };
  return { ...files, [BUNDLE_FILES.manifest]: `${JSON.stringify(signed, null, 2)}\n` };
}

function digestOf(text: string): { sha256: string; bytes: number } {
  const bytes = Buffer.from(text, 'utf8');
  return { sha256: sha256Hex(bytes), bytes: bytes.length };
}
