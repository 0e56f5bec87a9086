/**
 * Sensitive content (tool arguments, results) lives here, apart from the signed envelope:
 * encrypted at rest per organisation (AES-256-GCM, AAD = event id) and referenced from the
 * envelope by a salted digest: sha256(salt ‖ canonical JSON of the content), salt kept beside
 * the ciphertext. Erasing deletes ciphertext and salt; the envelope and its chain still verify.
 */
export const PAYLOAD_STORE = Symbol('PAYLOAD_STORE');

export interface StoredPayloadRef {
  /** hex sha256(salt ‖ canonical content) — goes into envelope.payload.digest */
  digest: string;
}

export type PayloadLookup =
  /** `salt` is what the digest is salted with: not a secret to whoever holds the content (an export with payloads hands both out, so the digest can be recomputed). */
  | { status: 'present'; content: unknown; digest: string; salt: Uint8Array }
  | { status: 'erased'; erasedAt: string }
  | { status: 'missing' };

/** A payload whose digest is known and whose commit is under way. */
export interface PendingPayload extends StoredPayloadRef {
  /** Resolves once the ciphertext is committed; rejects if it could not be. */
  durable: Promise<void>;
  /**
   * The event that was to carry this payload will not be written (sealing or appending it
   * failed): the payload must not be stored alone. Unless it is already committing with its
   * event (then it shares the event's fate), it is dropped and `durable` rejects.
   */
  abandon(): void;
}

export interface PayloadStore {
  /** Encrypts and stores content for one event of one organisation; returns the digest. */
  put(org: string, eventId: string, content: unknown): Promise<StoredPayloadRef>;
  /**
   * Like put, but returns the digest at once, so the event that references it can be sealed and
   * committed in the same round as the payload (the hot path). Throws synchronously on bad input.
   */
  write(org: string, eventId: string, content: unknown): PendingPayload;
  /** Decrypts; verifies the digest against the stored salt. */
  get(org: string, eventId: string): Promise<PayloadLookup>;
  /**
   * Ids of this organisation's payloads still present (not erased) whose event ids sort before
   * `beforeEventId`, oldest first, at most `limit`. Event ids are uuidv7, which sort by their
   * millisecond timestamp: retention asks for the payloads older than a time this way.
   */
  presentBefore(org: string, beforeEventId: string, limit: number): Promise<string[]>;
  /** Deletes ciphertext and salt, keeps a tombstone. Idempotent. */
  erase(org: string, eventId: string): Promise<void>;
  close(): Promise<void>;
}
