import { buildKeyDirectory, KEY_STREAM, LedgerAuditor, resolverOf, type AuditProblem, type EventCheck } from '@warden/ledger';
import type { EventEnvelope } from '@warden/ledger';
import type { EventStore, RecordedEvent } from '@warden/event-store';
import { CheckpointAuditor } from '../anchor/checkpoint-auditor';
import { eventCheckerFor } from '../ledger/event-checkers';

export interface VerifyReport {
  ok: boolean;
  events: number;
  streams: number;
  keys: number;
  /** Signed checkpoints that matched the Merkle logs recomputed from the ledger. */
  checkpoints: number;
  seconds: number;
  firstProblem?: AuditProblem;
  problems: AuditProblem[];
  /** More problems were found than `problems` holds (the first 100). */
  problemsCapped: boolean;
}

export interface VerifyOptions {
  rootPublicKey: Uint8Array;
  /** Worker threads checking signatures; 0 checks in this thread. */
  workers: number;
  pageSize?: number;
  densePositions?: boolean;
  onProgress?: (done: number) => void;
}

const MAX_CATCH_UP_ROUNDS = 10;

/**
 * Checks the whole ledger: every signature (by a key the root registered before it signed),
 * every stream's hash chain, and that the global log has no holes or reordering. Hash and
 * signature checks run in worker threads; the chain walk is sequential, in commit order.
 */
export async function verifyLedger(store: EventStore, options: VerifyOptions): Promise<VerifyReport> {
  const started = performance.now();
  const registrations = (await readKeyStream(store)).map((e) => ({ position: e.position, envelope: e.data }));
  const directory = buildKeyDirectory(options.rootPublicKey, registrations);
  const auditor = new LedgerAuditor(directory, { densePositions: options.densePositions ?? true });
  const resolveKey = resolverOf(directory);
  const checkpoints = new CheckpointAuditor((kid) => (kid === directory.rootKid ? undefined : resolveKey(kid)));
  const checker = eventCheckerFor(directory, options.workers);
  const pageSize = options.pageSize ?? 2000;
  let from = 0;
  let blocked = false;
  /** Reads and checks the log from `from` to its current end; false when there was nothing new. */
  const walk = async (): Promise<boolean> => {
    const inFlight: Array<{ page: RecordedEvent[]; checks: Promise<EventCheck[]> }> = [];
    const drain = async () => {
      const { page, checks } = inFlight.shift()!;
      (await checks).forEach((check, i) => {
        // Only what verified becomes a leaf of the recomputed logs (as in the running anchor).
        if (!auditor.feed(check) && check.result.ok && !check.mismatch) checkpoints.feed(check.position, page[i].data as EventEnvelope);
      });
      options.onProgress?.(auditor.events);
    };
    const start = from;
    while (!blocked) {
      const page = await readPage(store, from, pageSize);
      if ('unreadable' in page) {
        // A row the store cannot even decode (data that is not JSON, a damaged page): name it,
        // and stop, since the port cannot read past it.
        while (inFlight.length > 0) await drain();
        auditor.feed(unreadableRow(page.unreadable, from));
        blocked = true;
        break;
      }
      if (page.length === 0) break;
      from = page[page.length - 1].position;
      inFlight.push({ page, checks: checker.check(page) });
      if (inFlight.length > checker.parallelism * 2) await drain();
    }
    while (inFlight.length > 0) await drain();
    return from !== start;
  };
  try {
    await walk();
    // The store's stream heads must end where the walk did. On a live ledger a head can be ahead
    // because of appends after the walk passed: read on until the heads match or the log stops
    // growing; only then is a head ahead of the log a deletion.
    for (let round = 1; ; round++) {
      const heads = await storedHeads(store, auditor.streamRevisions);
      const seen = auditor.streamRevisions;
      const ahead = [...heads].filter(([stream, revision]) => revision > seen.get(stream)!);
      if (ahead.length > 0 && round <= MAX_CATCH_UP_ROUNDS && (await walk())) continue;
      // Still growing after every round: a head ahead may be a live append, so judge only the
      // heads behind the log, which no append explains.
      const judged = ahead.length > 0 && round > MAX_CATCH_UP_ROUNDS ? [...heads].filter(([stream, revision]) => revision < seen.get(stream)!) : heads;
      for (const [stream, revision] of judged) auditor.checkStreamHead(stream, revision);
      break;
    }
  } finally {
    await checker.close();
  }
  const problems = [...auditor.problems, ...checkpoints.problems].sort((a, b) => a.position - b.position).slice(0, Math.max(auditor.problems.length, 100));
  return {
    ok: problems.length === 0,
    events: auditor.events,
    streams: auditor.streamCount,
    keys: directory.keys.size,
    checkpoints: checkpoints.checkpoints,
    seconds: (performance.now() - started) / 1000,
    firstProblem: problems[0],
    problems,
    problemsCapped: auditor.problemsCapped || auditor.problems.length + checkpoints.problems.length > problems.length,
  };
}

/** The key stream's rows, leaving out any the store cannot decode (the walk names those). */
async function readKeyStream(store: EventStore): Promise<RecordedEvent[]> {
  try {
    return await store.readStream(KEY_STREAM);
  } catch {
    const rows: RecordedEvent[] = [];
    for (let revision = 0, failures = 0; failures < 100; revision++) {
      try {
        const [row] = await store.readStream(KEY_STREAM, { fromRevision: revision, maxCount: 1 });
        if (!row) break;
        rows.push(row);
        revision = row.revision;
        failures = 0;
      } catch {
        failures++; // an unreadable row: skip it
      }
    }
    return rows;
  }
}

/** A page of the log after `from`; when it cannot be read, the error of the first unreadable row. */
async function readPage(store: EventStore, from: number, pageSize: number): Promise<RecordedEvent[] | { unreadable: unknown }> {
  try {
    return await store.readAll({ fromPosition: from, maxCount: pageSize });
  } catch (error) {
    if (pageSize === 1) return { unreadable: error };
  }
  // Read on one row at a time up to the row that fails, so the page's good rows are checked.
  const rows: RecordedEvent[] = [];
  for (let after = from; rows.length < pageSize; ) {
    let row: RecordedEvent[];
    try {
      row = await store.readAll({ fromPosition: after, maxCount: 1 });
    } catch (error) {
      return rows.length > 0 ? rows : { unreadable: error };
    }
    if (row.length === 0) break;
    rows.push(row[0]);
    after = row[0].position;
  }
  return rows;
}

/** The check of a row that could not be read: it sits right after `after` in the (dense) log. */
function unreadableRow(error: unknown, after: number): EventCheck {
  const message = error instanceof Error ? error.message : String(error);
  return {
    position: after + 1,
    stream: '',
    revision: -1,
    result: { ok: false, reason: 'MALFORMED', detail: `the row after position ${after} cannot be read (${message}); the log after it was not checked` },
  };
}

async function storedHeads(store: EventStore, streams: ReadonlyMap<string, number>): Promise<Map<string, number>> {
  const heads = new Map<string, number>();
  for (const stream of streams.keys()) heads.set(stream, await store.streamRevision(stream));
  return heads;
}
