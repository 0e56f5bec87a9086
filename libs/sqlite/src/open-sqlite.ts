import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

export type SqliteSynchronous = 'FULL' | 'NORMAL';

export interface OpenSqliteOptions {
  /** FULL (default): a commit survives power loss. NORMAL in WAL: it survives a process crash only. */
  synchronous?: SqliteSynchronous;
  readonly?: boolean;
  /** How long a write waits for another connection's lock before failing; default 5,000 ms. */
  busyTimeoutMs?: number;
}

const IN_MEMORY = ':memory:';

/**
 * A ledger is readable by its owner only: the file is created 0600 (its directory 0700) before
 * SQLite opens it, and SQLite gives the -wal and -shm files the database file's mode. An existing
 * file that others may read is narrowed to 0600 (and its -wal/-shm with it).
 */
function createPrivately(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(path) && (statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  }
}

/** Opens a SQLite file in WAL mode, creating its directory if needed (zero-setup embedded mode). */
export function openSqlite(file: string, options: OpenSqliteOptions = {}): Database.Database {
  const synchronous = options.synchronous ?? 'FULL';
  if (synchronous !== 'FULL' && synchronous !== 'NORMAL') {
    throw new RangeError(`synchronous must be FULL or NORMAL, got ${String(synchronous)}`);
  }
  const readonly = options.readonly ?? false;
  if (!readonly && file !== IN_MEMORY) createPrivately(file);
  const db = new Database(file, { readonly, fileMustExist: readonly });
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
    if (!readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${synchronous}`);
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
