/** Typed errors with stable codes; the edge maps codes to HTTP / JSON-RPC errors in one place. */
export class WrongExpectedRevisionError extends Error {
  readonly code = 'LEDGER.WRONG_EXPECTED_REVISION';
  constructor(readonly stream: string, readonly expected: string | number, readonly actual: number) {
    super(`stream ${stream}: expected revision ${expected}, actual ${actual}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

export class EventStoreUnavailableError extends Error {
  readonly code = 'LEDGER.UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventStoreUnavailableError';
  }
}

export class DuplicateEventIdError extends Error {
  readonly code = 'LEDGER.DUPLICATE_EVENT_ID';
  constructor(readonly eventId: string) {
    super(`event id ${eventId} already exists`);
    this.name = 'DuplicateEventIdError';
  }
}
