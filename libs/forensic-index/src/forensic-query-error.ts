/** A query the index cannot run as asked (bad full-text syntax, a cursor it did not issue): the caller's input, a 400. */
export class ForensicQueryError extends Error {
  constructor(
    readonly code: 'FORENSICS.INVALID_QUERY' | 'FORENSICS.INVALID_CURSOR',
    readonly field: 'q' | 'cursor',
    message: string,
  ) {
    super(message);
    this.name = 'ForensicQueryError';
  }
}
