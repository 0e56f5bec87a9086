import { createHash } from 'node:crypto';
import { LedgerError } from './errors';

export { isSha256Hex } from './hex-shape';

/** SHA-256 of bytes, or of a string's UTF-8 encoding. */
export function sha256(input: Uint8Array | string): Uint8Array {
  return createHash('sha256').update(input).digest();
}

/** Lowercase hex SHA-256 of bytes, or of a string's UTF-8 encoding. */
export function sha256Hex(input: Uint8Array | string): string {
  return createHash('sha256').update(input).digest('hex');
}

const LOWER_HEX = /^(?:[0-9a-f]{2})*$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Strict: lowercase, even length, hex digits only. */
export function fromHex(hex: string): Uint8Array {
  if (!LOWER_HEX.test(hex)) throw new LedgerError('LEDGER.INVALID_ENCODING', 'not lowercase hex');
  return Buffer.from(hex, 'hex');
}

/** base64url without padding (RFC 4648 §5). */
export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/**
 * Strict base64url decoding: no padding, no foreign characters, and the canonical encoding
 * only (unused trailing bits zero), so one byte string has exactly one text form.
 */
export function fromBase64Url(text: string): Uint8Array {
  if (!BASE64URL.test(text) || text.length % 4 === 1) {
    throw new LedgerError('LEDGER.INVALID_ENCODING', 'not unpadded base64url');
  }
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.toString('base64url') !== text) {
    throw new LedgerError('LEDGER.INVALID_ENCODING', 'not the canonical base64url form');
  }
  return bytes;
}
