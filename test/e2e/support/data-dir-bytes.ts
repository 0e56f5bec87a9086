import Database from 'better-sqlite3';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every file under a data directory (ledger.db, its -wal and -shm, keys…), as bytes. */
export function dataDirFiles(dir: string): Array<{ file: string; bytes: Buffer }> {
  const out: Array<{ file: string; bytes: Buffer }> = [];
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    if (statSync(file).isDirectory()) out.push(...dataDirFiles(file));
    else out.push({ file, bytes: readFileSync(file) });
  }
  return out;
}

/** The files holding `needle` (as UTF-8 bytes), searched in every file of the data directory. */
export function filesContaining(dir: string, needle: string): string[] {
  const bytes = Buffer.from(needle, 'utf8');
  return dataDirFiles(dir)
    .filter((f) => f.bytes.includes(bytes))
    .map((f) => f.file);
}

/** Payload rows whose event is not in the events table (read from the real SQLite file). */
export function orphanPayloads(dataDir: string): string[] {
  const db = new Database(join(dataDir, 'ledger.db'), { readonly: true });
  try {
    return (db.prepare('SELECT p.event_id AS id FROM payloads p LEFT JOIN events e ON e.id = p.event_id WHERE e.id IS NULL').all() as Array<{ id: string }>).map(
      (r) => r.id,
    );
  } finally {
    db.close();
  }
}
