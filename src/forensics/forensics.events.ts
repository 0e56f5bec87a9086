/**
 * Every read of the forensic index is evidence too: a signed ForensicQueryRun on the node's own
 * forensics stream of the organisation (one writer per stream), naming who read, which route,
 * which filter and how many calls it returned. The full-text query itself is content (it may
 * name a data subject): it goes into the event's encrypted, erasable payload, not into `data`.
 */
export const FORENSIC_QUERY_RUN_TYPE = 'ForensicQueryRun';

export interface ForensicQueryRunData {
  route: 'GET /v1/calls' | 'GET /v1/calls/:id' | 'GET /v1/workflows/:id';
  /** The filter as applied, without `q` (see hasFullText). */
  filter: Record<string, string | number | boolean>;
  /** A full-text query was part of the filter: it is the event's payload. */
  hasFullText: boolean;
  resultCount: number;
}

export const FORENSICS_STREAM_PREFIX = 'forensics-';
export const forensicsStream = (org: string, nodeId: string) => `${FORENSICS_STREAM_PREFIX}${org}-${nodeId}`;
