/**
 * The forensic index file's schema. Text is in a contentless FTS5 table (the index keeps no copy
 * of the content, only its terms), with deletes, so that an erased payload's terms can leave it.
 * Append a migration; never edit one that has shipped (a changed index is rebuilt by replay).
 */
export const FORENSIC_INDEX_MIGRATIONS: readonly string[] = [
  `CREATE TABLE forensic_position (
     id       INTEGER PRIMARY KEY CHECK (id = 1),
     position INTEGER NOT NULL
   );
   INSERT INTO forensic_position (id, position) VALUES (1, 0);
   CREATE TABLE calls (
     call_id      TEXT    PRIMARY KEY,
     org          TEXT    NOT NULL,
     agent_id     TEXT    NOT NULL,
     server_id    TEXT,
     tool         TEXT    NOT NULL,
     decision     TEXT,
     workflow     TEXT,
     at_us        INTEGER NOT NULL,
     latency_ms   REAL,
     has_findings INTEGER NOT NULL,
     record       TEXT    NOT NULL
   );
   CREATE INDEX calls_by_time     ON calls (org, at_us, call_id);
   CREATE INDEX calls_by_agent    ON calls (org, agent_id, at_us);
   CREATE INDEX calls_by_server   ON calls (org, server_id, at_us);
   CREATE INDEX calls_by_tool     ON calls (org, tool, at_us);
   CREATE INDEX calls_by_workflow ON calls (org, workflow, at_us);
   CREATE INDEX calls_by_decision ON calls (org, decision, at_us);
   CREATE TABLE call_rules (
     org     TEXT NOT NULL,
     rule    TEXT NOT NULL,
     call_id TEXT NOT NULL,
     PRIMARY KEY (org, rule, call_id)
   ) WITHOUT ROWID;
   CREATE TABLE call_text_docs (
     doc      INTEGER PRIMARY KEY,
     event_id TEXT    NOT NULL UNIQUE,
     call_id  TEXT    NOT NULL,
     org      TEXT    NOT NULL
   );
   CREATE VIRTUAL TABLE call_text USING fts5(text, content='', contentless_delete=1);
   CREATE TABLE erased_payloads (
     event_id          TEXT PRIMARY KEY,
     org               TEXT NOT NULL,
     erasure_event_id  TEXT NOT NULL
   ) WITHOUT ROWID;`,
];
