import { ForensicQueryError } from '../forensic-query-error';

export interface CursorPosition {
  order: 'asc' | 'desc';
  atUs: number;
  callId: string;
}

/** Opaque to callers: base64url of the last row's (time, id) and the page order. */
export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.order, position.atUs, position.callId]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, order: 'asc' | 'desc'): CursorPosition {
  const invalid = () => new ForensicQueryError('FORENSICS.INVALID_CURSOR', 'cursor', 'cursor is not one this API issued (pass nextCursor back as it came)');
  if (cursor.length > 300 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) throw invalid();
  const [cursorOrder, atUs, callId] = parsed as unknown[];
  if (cursorOrder !== order || !Number.isSafeInteger(atUs) || typeof callId !== 'string' || callId.length === 0 || callId.length > 64) throw invalid();
  return { order, atUs: atUs as number, callId };
}
