import { EgressError } from '@warden/egress';
import { WardenError } from '../../common/warden-error';
import type { TokenEgress } from '../token-endpoint';

const MAX_METADATA_BYTES = 64 * 1024;

/** A metadata document's fetch: the document, or `absent` (404 / 410: try the next place). */
export type MetadataFetch = { found: Record<string, unknown> } | { absent: true };

export function authError(code: string, message: string, details: Record<string, unknown> = {}): WardenError {
  return new WardenError('upstream', code, message, details);
}

/**
 * GETs a JSON metadata document through the egress guard (vetted first: a refused address is
 * never connected to), without following redirects, bounded in time and size. What the server
 * answered is never relayed: errors name the document and the status.
 */
export async function fetchMetadata(egress: TokenEgress, timeoutMs: number, url: string, what: string): Promise<MetadataFetch> {
  try {
    await egress.vet(new URL(url));
  } catch (error) {
    if (error instanceof EgressError) throw authError('UPSTREAM.EGRESS_REFUSED', `the ${what} is not a permitted destination (${error.code})`, { reason: error.code });
    throw authError('UPSTREAM.AUTH_DISCOVERY_FAILED', `the ${what} could not be reached`);
  }
  let response: Response;
  try {
    response = await egress.fetch(url, { method: 'GET', headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
  } catch {
    throw authError('UPSTREAM.AUTH_DISCOVERY_FAILED', `the ${what} could not be reached`);
  }
  const text = await response.text().catch(() => undefined);
  if (response.status === 404 || response.status === 410) return { absent: true };
  if (response.status !== 200) throw authError('UPSTREAM.AUTH_DISCOVERY_FAILED', `the ${what} answered HTTP ${response.status}`, { metadataStatus: response.status });
  if (text === undefined || text.length > MAX_METADATA_BYTES) throw authError('UPSTREAM.AUTH_DISCOVERY_FAILED', `the ${what} is too large or unreadable`);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw authError('UPSTREAM.AUTH_DISCOVERY_FAILED', `the ${what} is not JSON`);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw authError('UPSTREAM.AUTH_DISCOVERY_FAILED', `the ${what} is not a JSON object`);
  return { found: document as Record<string, unknown> };
}

export const stringArray = (value: unknown): string[] | undefined =>
  Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
