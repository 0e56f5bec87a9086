import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { EventEnvelope } from '@warden/ledger';

/** Reads the embedded ledger file directly, as an auditor with file access would. */
export function readLedger(dataDir: string): EventEnvelope[] {
  const db = new Database(join(dataDir, 'ledger.db'), { readonly: true });
  try {
    return (db.prepare('SELECT data FROM events ORDER BY position').all() as Array<{ data: string }>).map((r) => JSON.parse(r.data));
  } finally {
    db.close();
  }
}

export function eventsOfType(dataDir: string, type: string): EventEnvelope<any>[] {
  return readLedger(dataDir).filter((e) => e.type === type) as EventEnvelope<any>[];
}
