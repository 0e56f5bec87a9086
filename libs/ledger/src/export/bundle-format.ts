/**
 * The export bundle (docs/export-bundle.md), format version 1: a directory of plain files, each
 * digested in the manifest. Lines are UTF-8 JSON, one record a line, "\n"-terminated.
 */
export const EXPORT_BUNDLE_FORMAT = 'warden-export-bundle';
/** What warden writes: version 2, whose manifest is signed by the exporting node's key. */
export const EXPORT_BUNDLE_VERSION = 2;
/** What a verifier reads: version 1 (manifest unsigned: bundles made before 2) and version 2. */
export const READABLE_BUNDLE_VERSIONS: readonly number[] = [1, 2];

export const BUNDLE_FILES = {
  manifest: 'manifest.json',
  /** The org's events in its log's leaf order, each the envelope exactly as stored. */
  events: 'events.jsonl',
  /** The key stream (KeyRegistered / KeyRevoked, root-signed), whole. */
  keys: 'keys.jsonl',
  /** The signed checkpoints covering the events, in increasing size, with cosignatures. */
  checkpoints: 'checkpoints.jsonl',
  /** What rebuilds the tree: the frontier before the first event, the later leaves, the chain heads. */
  log: 'log.json',
  /** One line per event with a payload: its digest, erased or present, and (with --payloads) the content. */
  payloads: 'payloads.jsonl',
} as const;

/** Files whose digests the manifest must list (every file of the bundle but the manifest). */
export const DIGESTED_FILES = [BUNDLE_FILES.events, BUNDLE_FILES.keys, BUNDLE_FILES.checkpoints, BUNDLE_FILES.log, BUNDLE_FILES.payloads] as const;

/**
 * Version 2: the exporting node's Ed25519 signature over the SHA-256 of the RFC 8785 form of the
 * manifest without `signature`, by a key of the bundle's key stream (kid), not revoked when the
 * bundle was created. It binds the bundle's scope (organisation, range, leaves, counts) and every
 * file's digest to the deployment's keys.
 */
export interface ManifestSignature {
  kid: string;
  /** base64url, 64 bytes. */
  sig: string;
}

export interface BundleManifest {
  format: typeof EXPORT_BUNDLE_FORMAT;
  version: 1 | 2;
  org: string;
  /** The deployment's root public key (base64url raw 32 bytes); the verifier pins its fingerprint. */
  rootPublicKey: string;
  /** The log's origin line (checkpoints, and the note key name). */
  origin: string;
  createdAt: string;
  /** Requested time range (RFC 3339, inclusive) and the leaves exported: [firstLeaf, firstLeaf + events). */
  range: { from: string | null; to: string | null; firstLeaf: number; events: number; uncovered: number };
  counts: { events: number; keys: number; checkpoints: number; payloads: number; payloadsIncluded: number; erased: number };
  payloadsIncluded: boolean;
  /** sha256 (hex) and byte length of every other file. */
  files: Record<string, { sha256: string; bytes: number }>;
  /** How the bundle maps onto SEP-3004 (tamper-evident audit record): see docs/export-bundle.md. */
  auditRecord: { profile: 'sep-3004-draft'; canonicalization: 'RFC8785'; hash: 'sha-256'; chain: 'prev' };
  /** Version 2 only (see ManifestSignature). */
  signature?: ManifestSignature;
}

export interface BundleCheckpointLine {
  size: number;
  /** The CheckpointSigned event that recorded it. */
  eventId: string;
  /** The C2SP signed note: the log's signature, then witnesses' cosignature/v1 lines. */
  note: string;
}

export interface BundleLog {
  origin: string;
  /** Leaf index of the first exported event. */
  firstLeaf: number;
  /** The compact range [0, firstLeaf): base64 subtree hashes, largest first (RFC 9162). */
  frontier: string[];
  /** Hex envelope hashes of the org's leaves after the exported events, up to the last checkpoint's size. */
  tail: string[];
  /** Per stream with events before the range: the last one before it (seq, hash). */
  heads: Record<string, { seq: number; hash: string }>;
}

export type BundlePayloadLine =
  /** `content` and `salt` (base64url) only in a --payloads export: digest = hex sha256(salt ‖ JCS(content)). */
  | { eventId: string; digest: string; state: 'present'; content?: unknown; salt?: string }
  | { eventId: string; digest: string; state: 'erased'; erasureEventId: string; erasure: unknown };
