import { createHash, randomBytes } from 'node:crypto';
import type { KeyHints } from './key-hints';

/**
 * API keys are 256-bit random secrets shown once; only their SHA-256 is kept (in events and read
 * models). A plain hash suffices for keys of this entropy; lookup is O(1) by hash.
 * Format: wdn_<kind>_<43 base64url chars>; the kind tells an admin key from an agent key on sight.
 */
export type ApiKeyKind = 'admin' | 'agent' | 'user' | 'platform';

export interface IssuedApiKey {
  /** The secret: returned to the caller once, never stored, never logged. */
  key: string;
  hash: string;
  /** The kind prefix and a keyed digest (KeyHints), safe to show in lists and events: no character of the random part. */
  hint: string;
}

export function issueApiKey(kind: ApiKeyKind, hints: KeyHints): IssuedApiKey {
  const key = `wdn_${kind}_${randomBytes(32).toString('base64url')}`;
  return { key, hash: hashApiKey(key), hint: hints.hintOf(key) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Reads `Authorization: Bearer <key>`; undefined when absent or not a bearer credential. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
