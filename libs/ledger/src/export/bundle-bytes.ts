import { fromBase64, toBase64 } from '../checkpoint/base64';

/** Byte encodings for the export verifier without Buffer (it runs in a browser). Each returns undefined on bad input. */

const HEX = /^(?:[0-9a-f]{2})*$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
export const utf8 = new TextEncoder();

export function hexOf(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

export function bytesOfHex(hex: string): Uint8Array | undefined {
  if (typeof hex !== 'string' || !HEX.test(hex)) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Strict unpadded base64url, canonical form only (as the ledger writes keys and signatures). */
export function bytesOfBase64Url(text: string): Uint8Array | undefined {
  if (typeof text !== 'string' || !BASE64URL.test(text) || text.length % 4 === 1) return undefined;
  const standard = text.replace(/-/g, '+').replace(/_/g, '/');
  try {
    return fromBase64(standard + '='.repeat((4 - (standard.length % 4)) % 4));
  } catch {
    return undefined;
  }
}

export function bytesOfBase64(text: string): Uint8Array | undefined {
  try {
    return fromBase64(text);
  } catch {
    return undefined;
  }
}

export { toBase64 };

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
