import type { ForensicIndex } from '@warden/forensic-index';
import { WardenError } from '../common/warden-error';
import type { ReadModelProjector } from '../ledger/read-model-projector';
import type { ForensicsProjection } from './forensics-projection';
import { queryErrorAsWarden } from './forensic-reads';

/** As many payloads as one erasure may name (the erasure API's own bound on eventIds). */
export const MAX_ERASED_BY_QUERY = 1000;

export const FULL_TEXT_ERASURE = Symbol('FULL_TEXT_ERASURE');
const ERASED_WAIT_MS = 5000;

/**
 * A data-subject request by content: the payload events whose text matches a full-text query.
 * More matches than one erasure may name is refused (narrow the query), never cut short; no
 * match is a 404. After the erasure, `erased()` returns once the index has forgotten the text.
 */
export class FullTextErasure {
  constructor(
    private readonly index: ForensicIndex,
    private readonly projection: ForensicsProjection,
    private readonly projector: ReadModelProjector,
  ) {}

  async resolve(org: string, query: string): Promise<string[]> {
    await this.projection.settled();
    let ids: string[];
    try {
      ids = this.index.payloadEventsMatching(org, query, MAX_ERASED_BY_QUERY);
    } catch (error) {
      queryErrorAsWarden(error);
    }
    if (ids.length > MAX_ERASED_BY_QUERY) {
      throw new WardenError('bad_request', 'ERASURE.TOO_MANY_MATCHES', `the query matches more than ${MAX_ERASED_BY_QUERY} payloads: narrow it`, { field: 'query' });
    }
    if (ids.length === 0) throw new WardenError('not_found', 'ERASURE.NO_MATCH', 'no payload of this organisation matches the query', { field: 'query' });
    return ids;
  }

  /**
   * Waits until the index has applied the PayloadsErased event at `position` of `stream`; not
   * longer than ERASED_WAIT_MS, and not at all if the projector has stopped (the erasure itself is
   * done: the index forgets the text when it applies the event, or when it is rebuilt).
   */
  async erased(position: number, stream: string): Promise<void> {
    if (this.projector.health().failure) return;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, ERASED_WAIT_MS).unref()));
    await Promise.race([this.projector.waitFor(position, stream).then(() => this.projection.settled()), bound]);
    clearTimeout(timer);
  }
}
