import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
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

/** Opens a SQLite file in WAL mode, creating its directory if needed (zero-setup embedded mode). */
export function openSqlite(file: string, options: OpenSqliteOptions = {}): Database.Database {
  const synchronous = options.synchronous ?? 'FULL';
  if (synchronous !== 'FULL' && synchronous !== 'NORMAL') {
    throw new RangeError(`synchronous must be FULL or NORMAL, got ${String(synchronous)}`);
  }
  const readonly = options.readonly ?? false;
  if (!readonly && file !== IN_MEMORY) mkdirSync(dirname(file), { recursive: true });
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
