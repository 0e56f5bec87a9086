import type Database from 'better-sqlite3';
import { migrateSchema, openSqlite, type SqliteSynchronous } from '@warden/sqlite';
import type { CallFilter, CallPage, CallPageRequest, ForensicIndex, ForensicIndexWrite, IndexedCall, IndexedOutcome } from '../forensic-index.port';
import { ForensicQueryError } from '../forensic-query-error';
import { decodeCursor, encodeCursor } from './call-cursor';
import { FORENSIC_INDEX_MIGRATIONS } from './forensic-index-migrations';
import { microsOf } from './micros';

export interface SqliteForensicIndexOptions {
  /** The index file (created 0600, WAL), apart from the ledger: deleting it means a rebuild by replay. */
  file: string;
  synchronous?: SqliteSynchronous;
}

interface CallRow {
  call_id: string;
  at_us: number;
  record: string;
}

const COMPONENT = 'forensic-index';
/** Up to this many calls matching a full-text query, the matches drive the query. */
const FEW_MATCHES = 500;

/**
 * The embedded forensic index: indexed columns in plain tables, the text in a contentless FTS5
 * table. Erasing a payload deletes its terms, merges the FTS5 segments (`optimize`, so no old
 * segment keeps them), with secure_delete on (freed pages are zeroed), and truncates the WAL:
 * afterwards the erased text is in no byte of the index files.
 */
export class SqliteForensicIndex implements ForensicIndex {
  private readonly db: Database.Database;
  private readonly statements: ReturnType<SqliteForensicIndex['prepare']>;

  constructor(options: SqliteForensicIndexOptions) {
    this.db = openSqlite(options.file, { synchronous: options.synchronous ?? 'NORMAL' });
    this.db.pragma('secure_delete = ON');
    migrateSchema(this.db, COMPONENT, FORENSIC_INDEX_MIGRATIONS);
    this.statements = this.prepare();
  }

  position(): number {
    return (this.statements.position.get() as { position: number }).position;
  }

  write(position: number, writes: ForensicIndexWrite[]): void {
    let erased = false;
    this.db.transaction(() => {
      for (const write of writes) {
        if (write.kind === 'call') this.putCall(write.call);
        else if (write.kind === 'outcome') this.putOutcome(write.outcome);
        else if (write.kind === 'text') this.putText(write.org, write.callId, write.eventId, write.text);
        else erased = this.erase(write.org, write.erasureEventId, write.eventIds) || erased;
      }
      if (erased) this.statements.optimize.run();
      this.statements.setPosition.run(position);
    }).immediate();
    if (erased) this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  search(org: string, filter: CallFilter, page: CallPageRequest): CallPage {
    const order = page.order ?? 'desc';
    // A full-text query matching few calls drives the query (their ids, then the filters on each);
    // one matching many is a membership test while the calls are walked in time order.
    const matched = filter.q === undefined ? undefined : this.callsMatching(org, filter.q);
    const few = matched !== undefined && matched.length <= FEW_MATCHES;
    const c = few ? '+c.' : 'c.'; // `+`: keeps SQLite from walking a column index when the ids drive
    const where: string[] = [`${c}org = ?`];
    const params: unknown[] = [org];
    const column = (sql: string, value: unknown) => {
      where.push(`${c}${sql}`);
      params.push(value);
    };
    if (filter.agent !== undefined) column('agent_id = ?', filter.agent);
    if (filter.server !== undefined) column('server_id = ?', filter.server);
    if (filter.tool !== undefined) column('tool = ?', filter.tool);
    if (filter.decision !== undefined) column('decision = ?', filter.decision);
    if (filter.workflow !== undefined) column('workflow = ?', filter.workflow);
    if (filter.fromUs !== undefined) column('at_us >= ?', filter.fromUs);
    if (filter.toUs !== undefined) column('at_us <= ?', filter.toUs);
    if (filter.minLatencyMs !== undefined) column('latency_ms >= ?', filter.minLatencyMs);
    if (filter.hasFindings !== undefined) column('has_findings = ?', filter.hasFindings ? 1 : 0);
    if (filter.rule !== undefined) {
      where.push('EXISTS (SELECT 1 FROM call_rules r WHERE r.org = c.org AND r.rule = ? AND r.call_id = c.call_id)');
      params.push(filter.rule);
    }
    if (matched !== undefined && few) {
      if (matched.length === 0) return { calls: [], nextCursor: null };
      where.push('c.call_id IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(matched));
    } else if (filter.q !== undefined) {
      where.push('c.call_id IN (SELECT d.call_id FROM call_text_docs d WHERE d.org = ? AND d.doc IN (SELECT rowid FROM call_text WHERE call_text MATCH ?))');
      params.push(org, filter.q);
    }
    if (page.cursor !== undefined) {
      const after = decodeCursor(page.cursor, order);
      where.push(order === 'desc' ? `(${c}at_us, c.call_id) < (?, ?)` : `(${c}at_us, c.call_id) > (?, ?)`);
      params.push(after.atUs, after.callId);
    }
    const direction = order === 'desc' ? 'DESC' : 'ASC';
    const sql = `SELECT c.call_id, c.at_us, c.record FROM calls c WHERE ${where.join(' AND ')} ORDER BY c.at_us ${direction}, c.call_id ${direction} LIMIT ?`;
    const rows = this.run(() => this.db.prepare(sql).all(...params, page.limit + 1) as CallRow[]);
    const more = rows.length > page.limit;
    const shown = more ? rows.slice(0, page.limit) : rows;
    const last = shown.at(-1);
    return {
      calls: shown.map((row) => JSON.parse(row.record) as IndexedCall),
      nextCursor: more && last ? encodeCursor({ order, atUs: last.at_us, callId: last.call_id }) : null,
    };
  }

  get(org: string, callId: string): IndexedCall | undefined {
    const row = this.statements.getCall.get(callId) as (CallRow & { org: string }) | undefined;
    return row && row.org === org ? (JSON.parse(row.record) as IndexedCall) : undefined;
  }

  /** The ids of calls whose text matches, up to FEW_MATCHES + 1 (more: "many"). */
  private callsMatching(org: string, q: string): string[] {
    const rows = this.run(() => this.statements.callsMatching.all(org, q, FEW_MATCHES + 1) as Array<{ call_id: string }>);
    return rows.map((r) => r.call_id);
  }

  payloadEventsMatching(org: string, q: string, max: number): string[] {
    const rows = this.run(() => this.statements.matching.all(org, q, max + 1) as Array<{ event_id: string }>);
    return rows.map((r) => r.event_id);
  }

  erasureOf(org: string, eventId: string): string | undefined {
    const row = this.statements.erasureOf.get(eventId, org) as { erasure_event_id: string } | undefined;
    return row?.erasure_event_id;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private putCall(call: IndexedCall): void {
    const atUs = microsOf(call.at);
    if (atUs === undefined) throw new RangeError(`call ${call.callId}: at is not an RFC 3339 time`);
    const inserted = this.statements.insertCall.run(
      call.callId,
      call.org,
      call.agentId,
      call.serverId,
      call.tool,
      call.decision,
      call.workflow,
      atUs,
      call.latencyMs,
      call.findings.length > 0 ? 1 : 0,
      JSON.stringify(call),
    );
    if (inserted.changes === 0) return; // seen before (replay): idempotent
    for (const rule of new Set(call.rules)) this.statements.insertRule.run(call.org, rule, call.callId);
  }

  private putOutcome(outcome: IndexedOutcome): void {
    const row = this.statements.getCall.get(outcome.callId) as (CallRow & { org: string }) | undefined;
    if (!row || row.org !== outcome.org) return; // an outcome without its decision (not ours to invent)
    const call = JSON.parse(row.record) as IndexedCall;
    if (call.events.outcome !== null) return; // applied before
    const updated: IndexedCall = {
      ...call,
      latencyMs: outcome.latencyMs,
      cost: outcome.cost,
      outcome: outcome.outcome,
      findings: [...call.findings, ...outcome.findings],
      events: { ...call.events, outcome: outcome.eventId },
    };
    this.statements.updateOutcome.run(updated.latencyMs, updated.findings.length > 0 ? 1 : 0, JSON.stringify(updated), outcome.callId);
  }

  private putText(org: string, callId: string, eventId: string, text: string): void {
    if (text.length === 0 || this.statements.erasureOf.get(eventId, org)) return;
    const doc = this.statements.insertDoc.run(eventId, callId, org);
    if (doc.changes === 0) return;
    this.statements.insertText.run(doc.lastInsertRowid, text);
  }

  /** True if some text left the index (the segments then need merging). */
  private erase(org: string, erasureEventId: string, eventIds: string[]): boolean {
    let removed = false;
    for (const eventId of eventIds) {
      this.statements.insertErased.run(eventId, org, erasureEventId);
      const doc = this.statements.docOf.get(eventId, org) as { doc: number } | undefined;
      if (!doc) continue;
      this.statements.deleteText.run(doc.doc);
      this.statements.deleteDoc.run(doc.doc);
      removed = true;
    }
    return removed;
  }

  /** Runs a query on the caller's input: SQLite's complaint about it (FTS5 syntax, an unknown column) is a ForensicQueryError. */
  private run<T>(query: () => T): T {
    try {
      return query();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if ((error as { code?: string }).code === 'SQLITE_ERROR' && /fts5|no such column|unterminated|malformed MATCH/i.test(message)) {
        throw new ForensicQueryError('FORENSICS.INVALID_QUERY', 'q', `q is not a valid full-text query: ${message.replace(/^fts5: /, '')}`);
      }
      throw error;
    }
  }

  private prepare() {
    const db = this.db;
    return {
      position: db.prepare('SELECT position FROM forensic_position WHERE id = 1'),
      setPosition: db.prepare('UPDATE forensic_position SET position = max(position, ?) WHERE id = 1'),
      insertCall: db.prepare(
        `INSERT INTO calls (call_id, org, agent_id, server_id, tool, decision, workflow, at_us, latency_ms, has_findings, record)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (call_id) DO NOTHING`,
      ),
      insertRule: db.prepare('INSERT OR IGNORE INTO call_rules (org, rule, call_id) VALUES (?, ?, ?)'),
      getCall: db.prepare('SELECT call_id, org, at_us, record FROM calls WHERE call_id = ?'),
      updateOutcome: db.prepare('UPDATE calls SET latency_ms = ?, has_findings = ?, record = ? WHERE call_id = ?'),
      insertDoc: db.prepare('INSERT INTO call_text_docs (event_id, call_id, org) VALUES (?, ?, ?) ON CONFLICT (event_id) DO NOTHING'),
      insertText: db.prepare('INSERT INTO call_text (rowid, text) VALUES (?, ?)'),
      docOf: db.prepare('SELECT doc FROM call_text_docs WHERE event_id = ? AND org = ?'),
      deleteText: db.prepare('DELETE FROM call_text WHERE rowid = ?'),
      deleteDoc: db.prepare('DELETE FROM call_text_docs WHERE doc = ?'),
      insertErased: db.prepare('INSERT OR IGNORE INTO erased_payloads (event_id, org, erasure_event_id) VALUES (?, ?, ?)'),
      erasureOf: db.prepare('SELECT erasure_event_id FROM erased_payloads WHERE event_id = ? AND org = ?'),
      optimize: db.prepare("INSERT INTO call_text (call_text) VALUES ('optimize')"),
      callsMatching: db.prepare('SELECT DISTINCT d.call_id FROM call_text_docs d WHERE d.org = ? AND d.doc IN (SELECT rowid FROM call_text WHERE call_text MATCH ?) LIMIT ?'),
      matching: db.prepare(
        'SELECT d.event_id FROM call_text_docs d WHERE d.org = ? AND d.doc IN (SELECT rowid FROM call_text WHERE call_text MATCH ?) ORDER BY d.doc LIMIT ?',
      ),
    };
  }
}
