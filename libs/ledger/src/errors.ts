/**
 * Typed errors of the ledger library. Each carries a stable `code` so the edge can map it
 * (RFC 9457 problem details, JSON-RPC errors) without parsing messages.
 */
export type LedgerErrorCode =
  | 'LEDGER.NOT_CANONICAL_JSON'
  | 'LEDGER.INVALID_ENCODING'
  | 'LEDGER.INVALID_KEY'
  | 'LEDGER.INVALID_CHAIN_POSITION'
  | 'LEDGER.MALFORMED_EVENT'
  | 'LEDGER.INVALID_TIME'
  | 'LEDGER.INVALID_SALT'
  | 'LEDGER.INVALID_SIGNATURE';

export class LedgerError extends Error {
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A value RFC 8785 (JCS) cannot encode, or could only encode lossily. `path` points at it. */
export class CanonicalJsonError extends LedgerError {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super('LEDGER.NOT_CANONICAL_JSON', `cannot canonicalise ${path}: ${problem}`);
  }
}
