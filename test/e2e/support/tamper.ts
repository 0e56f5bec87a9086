import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  createEd25519Signer,
  envelopeHash,
  fromHex,
  GENESIS_PREV,
  sealEvent,
  toBase64Url,
  type ChainHead,
  type EventDraft,
  type EventEnvelope,
  type Signer,
} from '@warden/ledger';

/**
 * Tools for tampering with a stopped gateway's ledger file the way an attacker with write access
 * to the disk would: better-sqlite3 straight on <dataDir>/ledger.db, no warden code in between.
 */

export const REPO_ROOT = resolve(__dirname, '../../..');
export const CLI = join(REPO_ROOT, 'dist/src/cli/main.js');

export interface LedgerRow {
  position: number;
  id: string;
  stream: string;
  revision: number;
  type: string;
  env: EventEnvelope<any>;
}

/** Copies a data directory (ledger, payloads, keys) to a fresh temporary directory. */
export function copyDataDir(source: string, scratch: string[]): string {
  const copy = mkdtempSync(join(tmpdir(), 'warden-tamper-'));
  cpSync(source, copy, { recursive: true });
  scratch.push(copy);
  return copy;
}

export function removeDirs(dirs: string[]): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Opens the copy's ledger.db read-write, runs `edit`, and closes it (checkpointing the WAL). */
export function tamper<T>(dataDir: string, edit: (db: Database.Database, rows: LedgerRow[]) => T): T {
  const db = new Database(join(dataDir, 'ledger.db'), { fileMustExist: true });
  try {
    return db.transaction(() => edit(db, readRows(db)))();
  } finally {
    db.close();
  }
}

export function readRows(dbOrDir: Database.Database | string): LedgerRow[] {
  const db = typeof dbOrDir === 'string' ? new Database(join(dbOrDir, 'ledger.db'), { readonly: true }) : dbOrDir;
  try {
    const rows = db.prepare('SELECT position, id, stream, revision, type, data FROM events ORDER BY position').all() as Array<
      Omit<LedgerRow, 'env'> & { data: string }
    >;
    return rows.map(({ data, ...row }) => ({ ...row, env: JSON.parse(data) }));
  } finally {
    if (typeof dbOrDir === 'string') db.close();
  }
}

/** Overwrites the stored envelope of one row (the other columns stay as they are). */
export function setData(db: Database.Database, position: number, env: unknown): void {
  const changed = db.prepare('UPDATE events SET data = ? WHERE position = ?').run(JSON.stringify(env), position).changes;
  if (changed !== 1) throw new Error(`no row at position ${position}`);
}

export function insertRow(db: Database.Database, position: number, env: EventEnvelope<any>, stored?: { stream?: string; revision?: number }): void {
  db.prepare('INSERT INTO events (position, id, stream, revision, type, data) VALUES (?, ?, ?, ?, ?, ?)').run(
    position,
    env.id,
    stored?.stream ?? env.stream,
    stored?.revision ?? env.seq,
    env.type,
    JSON.stringify(env),
  );
}

/**
 * Appends envelopes at the end of the log and moves their streams' heads in the stream table,
 * as a careful forger would (so only the envelopes themselves can give the forgery away).
 * Returns the positions written.
 */
export function appendRows(db: Database.Database, envs: Array<EventEnvelope<any>>): number[] {
  let position = (db.prepare('SELECT MAX(position) AS p FROM events').get() as { p: number | null }).p ?? 0;
  const upsertHead = db.prepare(
    `INSERT INTO streams (stream, revision, position) VALUES (?, ?, ?)
     ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision, position = excluded.position`,
  );
  return envs.map((env) => {
    position += 1;
    insertRow(db, position, env);
    upsertHead.run(env.stream, env.seq, position);
    return position;
  });
}

/** A freshly sealed envelope with a template's content (new id) at a chosen chain position. */
export function forge<T extends object>(template: EventEnvelope<T>, at: ChainHead, signer: Signer, overrides: Partial<EventDraft<any>> = {}): EventEnvelope<any> {
  const draft: EventDraft<any> = {
    id: randomUUID(),
    type: template.type,
    stream: template.stream,
    org: template.org,
    at: template.at,
    actor: template.actor,
    data: template.data,
    payload: template.payload,
    ...overrides,
  };
  return sealEvent(draft, at, signer);
}

/** `count` correctly chained and signed events of one new stream (an insider with the node key). */
export function sealedStream(stream: string, count: number, signer: Signer, org = 'platform'): Array<EventEnvelope<any>> {
  const out: Array<EventEnvelope<any>> = [];
  let head: ChainHead = { seq: 0, prev: GENESIS_PREV };
  for (let i = 0; i < count; i++) {
    const env = sealEvent(
      { id: randomUUID(), type: 'BulkFiller', stream, org, at: '2026-11-25T04:10:57.123456Z', actor: { kind: 'system', id: 'bulk' }, data: { i } },
      head,
      signer,
    );
    out.push(env);
    head = { seq: env.seq + 1, prev: env.hash };
  }
  return out;
}

/**
 * Moves every row at or after `from` by `delta` positions (the primary key forbids doing it in
 * one UPDATE, so through negative positions).
 */
export function shiftPositions(db: Database.Database, from: number, delta: number): void {
  db.prepare('UPDATE events SET position = -position WHERE position >= ?').run(from);
  db.prepare('UPDATE events SET position = -position + ? WHERE position < 0').run(delta);
}

/** Recomputes hash and signature of an (edited) envelope with `signer`, naming its kid. */
export function resign<T extends EventEnvelope<any>>(env: T, signer: Signer): T {
  const unsigned = { ...env, kid: signer.kid } as T;
  const hash = envelopeHash(unsigned);
  return { ...unsigned, hash, sig: toBase64Url(signer.sign(fromHex(hash))) };
}

export function signerFromFile(file: string): Signer {
  return createEd25519Signer(readFileSync(file, 'utf8'));
}

export function nodeSigner(dataDir: string, nodeId = 'node-1'): Signer {
  return signerFromFile(join(dataDir, 'keys', `${nodeId}.key`));
}

export function rootSigner(dataDir: string): Signer {
  return signerFromFile(join(dataDir, 'keys', 'root.key'));
}

/** Sets the stored columns of one row (not its envelope): what a forger edits to move an event. */
export function setColumns(db: Database.Database, position: number, columns: Partial<Record<'id' | 'stream' | 'type', string> & { revision: number }>): void {
  const names = Object.keys(columns);
  const changed = db
    .prepare(`UPDATE events SET ${names.map((n) => `${n} = @${n}`).join(', ')} WHERE position = @position`)
    .run({ ...columns, position }).changes;
  if (changed !== 1) throw new Error(`no row at position ${position}`);
}

/**
 * Appends rows with their own stored columns (stream, id) beside a verbatim envelope, and
 * records their stream's head: a stream copied under a new name, as a forger would store it.
 */
export function appendStoredRows(db: Database.Database, rows: Array<{ env: EventEnvelope<any>; stream: string; id: string }>): number[] {
  let position = (db.prepare('SELECT MAX(position) AS p FROM events').get() as { p: number | null }).p ?? 0;
  const upsertHead = db.prepare(
    `INSERT INTO streams (stream, revision, position) VALUES (?, ?, ?)
     ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision, position = excluded.position`,
  );
  return rows.map(({ env, stream, id }) => {
    position += 1;
    db.prepare('INSERT INTO events (position, id, stream, revision, type, data) VALUES (?, ?, ?, ?, ?, ?)').run(position, id, stream, env.seq, env.type, JSON.stringify(env));
    upsertHead.run(stream, env.seq, position);
    return position;
  });
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the compiled CLI as a user would, with pipes (not a TTY) for stdout and stderr. */
/** @param options.input what the CLI reads on its standard input (closed at once when absent). */
export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {}): Promise<CliResult> {
  if (!existsSync(CLI)) {
    throw new Error(`${CLI} is missing: the CLI must be compiled first (npm run build; npm test does it before jest)`);
  }
  return new Promise((resolvePromise) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: options.cwd ?? REPO_ROOT, env: { ...process.env, ...options.env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolvePromise({ code, stdout: stdout.toString(), stderr: stderr.toString() });
      },
    );
    child.stdin?.end(options.input ?? '');
  });
}

export function verifyCli(dataDir: string, ...extra: string[]): Promise<CliResult> {
  return runCli(['verify', '--data-dir', dataDir, ...extra]);
}

/** The `--json` report of the CLI. */
export interface JsonReport {
  ok: boolean;
  events: number;
  streams: number;
  keys: number;
  checkpoints?: number;
  firstProblem?: { position: number; eventId?: string; stream?: string; seq?: number; reason: string; detail: string };
  problems: unknown[];
  problemsCapped?: boolean;
  rootKey?: { kid: string; sha256: string; pinned: boolean };
}

export async function verifyJson(dataDir: string, ...extra: string[]): Promise<{ code: number; report: JsonReport; stderr: string }> {
  const result = await verifyCli(dataDir, '--json', ...extra);
  let report: JsonReport;
  try {
    report = JSON.parse(result.stdout);
  } catch {
    throw new Error(`verify --json printed no JSON (exit ${result.code}): ${result.stdout}\n${result.stderr}`);
  }
  return { code: result.code, report, stderr: result.stderr };
}
