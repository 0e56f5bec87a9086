import { WardenError } from '../../../common/warden-error';

/** An optional expiry must lie in the future: a key that is born expired is a mistake. */
export function futureExpiry(expiresAt: string | null | undefined, nowMs: number): string | null {
  if (expiresAt === undefined || expiresAt === null) return null;
  const at = Date.parse(expiresAt);
  if (!Number.isFinite(at) || at <= nowMs) {
    throw new WardenError('bad_request', 'VALIDATION.FAILED', 'expiresAt must be a time in the future', { field: 'expiresAt' });
  }
  return new Date(at).toISOString();
}
