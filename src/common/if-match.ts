import { WardenError } from './warden-error';

const ENTITY_TAG = /^\s*(?:W\/)?"(\d{1,15})"\s*$/;

/**
 * The revision a change was based on, from `If-Match: "<revision>"` (the ETag a read returned).
 * Absent: undefined, unless the route requires it (PATCH: a blind overwrite could lose an update).
 */
export function revisionFromIfMatch(header: string | string[] | undefined, required: boolean): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value === '') {
    if (!required) return undefined;
    throw new WardenError('bad_request', 'CONFLICT.REVISION_REQUIRED', 'send If-Match: "<revision>" with the revision you read (the ETag of GET)', { field: 'If-Match' });
  }
  const match = ENTITY_TAG.exec(value);
  if (!match) throw new WardenError('bad_request', 'VALIDATION.FAILED', 'If-Match must be a quoted revision, e.g. "3"', { field: 'If-Match' });
  return Number(match[1]);
}

/** The entity tag of a revision, as GET sends it in ETag. */
export const entityTag = (revision: number) => `"${revision}"`;

/** OpenAPI descriptions of the header, for the routes that take it. */
export const IF_MATCH_REQUIRED = { name: 'If-Match', required: true, description: 'The revision you read, as GET’s ETag ("3"); another revision is 409 CONFLICT.STALE_REVISION.' };
export const IF_MATCH_OPTIONAL = { ...IF_MATCH_REQUIRED, required: false, description: 'Optional: when sent, the change applies only at this revision.' };
