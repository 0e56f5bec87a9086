/**
 * Every error warden answers with carries a stable, machine-readable code (`GATE.TOOL_IN_REVIEW`).
 * The edge maps codes to HTTP problem details and JSON-RPC errors in one place
 * (gateway/jsonrpc-errors.ts, common/problem-details.filter.ts). Messages never carry secrets.
 */
export type ErrorKind =
  | 'bad_request'     // malformed input
  | 'unauthenticated' // missing / wrong credentials
  | 'forbidden'       // authenticated, not allowed
  | 'not_found'
  | 'conflict'
  | 'denied'          // a governance decision
  | 'upstream'        // the upstream failed or answered garbage
  | 'unavailable';    // warden itself cannot decide safely (ledger down)

export class WardenError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'WardenError';
  }
}

export const HTTP_STATUS_OF: Record<ErrorKind, number> = {
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  denied: 403,
  upstream: 502,
  unavailable: 503,
};
