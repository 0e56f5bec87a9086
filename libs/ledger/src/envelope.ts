/**
 * The event envelope (DESIGN.md §3). Canonicalised with RFC 8785 (JCS) before hashing:
 *   hash = sha256(JCS(envelope without `hash` and `sig`))     (hex, lowercase)
 *   sig  = Ed25519(raw 32 hash bytes) by the key named in `kid` (base64url, no padding)
 * `prev` is the hash of the previous event of the same stream; the first event of a stream
 * (seq 0) has prev = GENESIS_PREV (32 zero bytes, hex).
 */
export const ENVELOPE_VERSION = 1 as const;
export const GENESIS_PREV = '0'.repeat(64);

export type ActorKind = 'agent' | 'user' | 'system' | 'node';
export interface Actor {
  kind: ActorKind;
  id: string;
}

/** Sensitive content is never in the envelope: only its salted digest. */
export interface PayloadReference {
  digest: string;
}

/** What a writer supplies; the ledger adds seq, prev, kid, hash and sig when sealing. */
export interface EventDraft<D extends object = Record<string, unknown>> {
  id: string;      // uuidv7
  type: string;    // past tense: ToolCallDecided
  stream: string;  // calls-<org>-<node>, agent-<id>, …
  org: string;     // organisation id, or 'platform'
  at: string;      // RFC 3339 with microseconds, UTC: 2026-11-25T04:10:57.123456Z
  actor: Actor;
  data: D;
  payload?: PayloadReference | null;
}

export interface UnsignedEnvelope<D extends object = Record<string, unknown>> extends EventDraft<D> {
  v: typeof ENVELOPE_VERSION;
  seq: number;     // 0-based, equals the event-store revision
  prev: string;    // hex sha256 of the previous event in the stream
  kid: string;     // key id of the signing key (see keyIdOf)
}

export interface EventEnvelope<D extends object = Record<string, unknown>> extends UnsignedEnvelope<D> {
  hash: string;    // hex sha256 of JCS(UnsignedEnvelope)
  sig: string;     // base64url Ed25519 signature over the raw hash bytes
}
