import { ForensicQueryError, type CallPage, type ForensicIndex } from '@warden/forensic-index';
import type { Actor } from '@warden/ledger';
import { WardenError } from '../common/warden-error';
import type { CallDetail, CallDetails } from './call-detail';
import { parseCallQuery, TIMELINE_PARAMETERS } from './call-query';
import type { ForensicQueryLog } from './forensic-query-log';
import type { ForensicsProjection } from './forensics-projection';

const CALL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The index's query error as the API answers it: a 400 naming the parameter. */
export function queryErrorAsWarden(error: unknown): never {
  if (error instanceof ForensicQueryError) throw new WardenError('bad_request', error.code, error.message, { field: error.field });
  throw error;
}

/**
 * The three reads of the forensic index, each within the caller's organisation (another's calls
 * are unknown: 404), each recorded as a ForensicQueryRun before it is answered. Reads wait for
 * what the projector has handed over to be indexed (read-your-writes within the node).
 */
export class ForensicReads {
  constructor(
    private readonly index: ForensicIndex,
    private readonly projection: ForensicsProjection,
    private readonly details: CallDetails,
    private readonly log: ForensicQueryLog,
  ) {}

  async search(org: string, actor: Actor, query: Record<string, unknown>): Promise<CallPage> {
    const { filter, page, recorded } = parseCallQuery(query);
    await this.projection.settled();
    let found: CallPage;
    try {
      found = this.index.search(org, filter, page);
    } catch (error) {
      queryErrorAsWarden(error);
    }
    await this.log.record(org, actor, { route: 'GET /v1/calls', filter: recorded, hasFullText: filter.q !== undefined, resultCount: found.calls.length }, filter.q);
    return found;
  }

  async call(org: string, actor: Actor, callId: string): Promise<CallDetail> {
    if (!CALL_ID.test(callId)) throw new WardenError('bad_request', 'FORENSICS.INVALID_CALL_ID', 'the call id is a UUID', { field: 'id' });
    await this.projection.settled();
    const call = this.index.get(org, callId);
    await this.log.record(org, actor, { route: 'GET /v1/calls/:id', filter: { callId }, hasFullText: false, resultCount: call ? 1 : 0 }, undefined);
    if (!call) throw new WardenError('not_found', 'FORENSICS.UNKNOWN_CALL', 'no call with this id in this organisation');
    return this.details.of(org, call);
  }

  async workflow(org: string, actor: Actor, workflowId: string, query: Record<string, unknown>): Promise<{ workflow: string } & CallPage> {
    if (workflowId.length === 0 || workflowId.length > 200) throw new WardenError('bad_request', 'FORENSICS.INVALID_FILTER', 'a workflow id has 1 to 200 characters', { field: 'id' });
    const { page, recorded } = parseCallQuery(query, TIMELINE_PARAMETERS);
    await this.projection.settled();
    let found: CallPage;
    try {
      found = this.index.search(org, { workflow: workflowId }, { ...page, order: 'asc' });
    } catch (error) {
      queryErrorAsWarden(error);
    }
    await this.log.record(org, actor, { route: 'GET /v1/workflows/:id', filter: { workflow: workflowId, ...recorded }, hasFullText: false, resultCount: found.calls.length }, undefined);
    if (found.calls.length === 0 && page.cursor === undefined) throw new WardenError('not_found', 'FORENSICS.UNKNOWN_WORKFLOW', 'no call of this workflow in this organisation');
    return { workflow: workflowId, ...found };
  }
}
