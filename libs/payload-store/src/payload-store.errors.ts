/** Typed errors with stable codes; the edge maps codes to HTTP / JSON-RPC errors in one place. */

/** Stored content failed authentication (GCM tag, AAD = event id) or its digest check: tampered or misplaced. */
export class PayloadIntegrityError extends Error {
  readonly code = 'PAYLOAD.INTEGRITY';
  constructor(readonly eventId: string, reason: string, options?: { cause?: unknown }) {
    super(`payload of event ${eventId} failed its integrity check: ${reason}`, options);
    this.name = 'PayloadIntegrityError';
  }
}

/** The master key given at start-up is not the one this store was created with. */
export class MasterKeyMismatchError extends Error {
  readonly code = 'PAYLOAD.MASTER_KEY_MISMATCH';
  constructor(detail: string) {
    super(`the payload store's master key does not match: ${detail}`);
    this.name = 'MasterKeyMismatchError';
  }
}

/** A payload is written once per event; an event id already used (even erased) is refused. */
export class PayloadAlreadyStoredError extends Error {
  readonly code = 'PAYLOAD.ALREADY_STORED';
  constructor(readonly eventId: string) {
    super(`a payload for event ${eventId} is already stored`);
    this.name = 'PayloadAlreadyStoredError';
  }
}

/** Closed, or the write transaction failed: callers must fail closed. */
export class PayloadStoreUnavailableError extends Error {
  readonly code = 'PAYLOAD.UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PayloadStoreUnavailableError';
  }
}
