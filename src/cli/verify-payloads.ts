import type { EventEnvelope } from '@warden/ledger';
import type { EventStore, RecordedEvent } from '@warden/event-store';
import type { PayloadRowInfo, SqlitePayloadAudit } from '@warden/payload-store';
import { erasureStream, PAYLOADS_ERASED_TYPE } from '../erasure/erasure.events';

export type PayloadProblemReason =
  | 'PAYLOAD_MISSING'
  | 'PAYLOAD_ERASED_WITHOUT_EVENT'
  | 'PAYLOAD_UNREADABLE'
  | 'PAYLOAD_DIGEST_MISMATCH'
  | 'PAYLOAD_ORPHAN'
  | 'ERASURE_INCOMPLETE';

export interface PayloadProblem {
  eventId: string;
  org?: string;
  /** The global position of the event that references the payload (none for an orphan). */
  position?: number;
  reason: PayloadProblemReason;
  detail: string;
}

export interface PayloadsReport {
  ok: boolean;
  /** Events whose envelope references a payload. */
  referenced: number;
  /** Of those, payloads present (and read back, when `decrypted`). */
  present: number;
  /** Of those, payloads gone with a PayloadsErased event of their org naming them. */
  erased: number;
  /** false: no master key, so presence and the digest column only. */
  decrypted: boolean;
  problems: PayloadProblem[];
  problemsCapped: boolean;
}

const MAX_PROBLEMS = 100;

interface Reference {
  org: string;
  digest: string;
  position: number;
}

/**
 * The payloads against the ledger: every payload an envelope references is there and (with the
 * master key) decrypts to content whose salted digest is the envelope's, unless a PayloadsErased
 * event of the same organisation names it; no payload row is there without its event, and none
 * survives its erasure event.
 */
export async function verifyPayloads(store: EventStore, audit: SqlitePayloadAudit, pageSize = 2000): Promise<PayloadsReport> {
  const references = new Map<string, Reference>();
  /** org \0 eventId → position of the PayloadsErased event naming it. */
  const erasures = new Map<string, number>();
  const problems: PayloadProblem[] = [];
  let capped = false;
  const report = (problem: PayloadProblem) => {
    if (problems.length < MAX_PROBLEMS) problems.push(problem);
    else capped = true;
  };

  for (let from = 0; ; ) {
    let page: RecordedEvent[];
    try {
      page = await store.readAll({ fromPosition: from, maxCount: pageSize });
    } catch {
      break; // a row the store cannot read: the ledger walk names it and fails the run
    }
    if (page.length === 0) break;
    for (const row of page) collect(row, references, erasures);
    from = page[page.length - 1].position;
  }

  const rows = new Map<string, PayloadRowInfo>(audit.rows().map((r) => [r.eventId, r]));
  let present = 0;
  let erased = 0;
  for (const [eventId, ref] of references) {
    const at = { eventId, org: ref.org, position: ref.position };
    const erasedAt = erasures.get(`${ref.org}\0${eventId}`);
    const row = rows.get(eventId);
    if (!row) {
      if (erasedAt !== undefined) erased++;
      else report({ ...at, reason: 'PAYLOAD_MISSING', detail: 'the envelope references a payload, and there is no payload row' });
      continue;
    }
    if (row.org !== ref.org) {
      report({ ...at, reason: 'PAYLOAD_UNREADABLE', detail: `the payload row is of org ${row.org}, the event of org ${ref.org}` });
      continue;
    }
    if (row.erasedAt !== null) {
      if (erasedAt !== undefined) erased++;
      else report({ ...at, reason: 'PAYLOAD_ERASED_WITHOUT_EVENT', detail: `erased at ${row.erasedAt}, and no PayloadsErased event of org ${ref.org} names it` });
      continue;
    }
    if (erasedAt !== undefined) {
      report({ ...at, reason: 'ERASURE_INCOMPLETE', detail: `the PayloadsErased event at position ${erasedAt} names it, yet the payload is still there` });
      continue;
    }
    if (!row.complete) {
      report({ ...at, reason: 'PAYLOAD_UNREADABLE', detail: 'not erased, yet salt, iv, ciphertext or tag is missing' });
      continue;
    }
    if (row.digest !== ref.digest) {
      report({ ...at, reason: 'PAYLOAD_DIGEST_MISMATCH', detail: `the payload row's digest ${row.digest} is not the envelope's ${ref.digest}` });
      continue;
    }
    if (audit.canDecrypt) {
      const back = audit.readBack(eventId);
      if (!back.ok) {
        report({ ...at, reason: 'PAYLOAD_UNREADABLE', detail: back.detail });
        continue;
      }
      if (back.digest !== ref.digest) {
        report({ ...at, reason: 'PAYLOAD_DIGEST_MISMATCH', detail: `the payload decrypts to content whose salted digest ${back.digest} is not the envelope's ${ref.digest}` });
        continue;
      }
    }
    present++;
  }
  for (const row of rows.values()) {
    if (!references.has(row.eventId)) {
      report({ eventId: row.eventId, org: row.org, reason: 'PAYLOAD_ORPHAN', detail: 'a payload row whose event is not in the ledger (or does not reference it)' });
    }
  }
  return { ok: problems.length === 0, referenced: references.size, present, erased, decrypted: audit.canDecrypt, problems, problemsCapped: capped };
}

function collect(row: RecordedEvent, references: Map<string, Reference>, erasures: Map<string, number>): void {
  const env = row.data as Partial<EventEnvelope<{ eventIds?: unknown }>> | null;
  if (!env || typeof env !== 'object' || typeof env.id !== 'string' || typeof env.org !== 'string') return;
  const digest = env.payload?.digest;
  if (typeof digest === 'string') references.set(env.id, { org: env.org, digest, position: row.position });
  // An erasure counts for its own organisation only, on that organisation's erasure stream.
  if (env.type === PAYLOADS_ERASED_TYPE && env.stream === erasureStream(env.org) && row.stream === env.stream && Array.isArray(env.data?.eventIds)) {
    for (const id of env.data.eventIds) if (typeof id === 'string') erasures.set(`${env.org}\0${id}`, row.position);
  }
}
