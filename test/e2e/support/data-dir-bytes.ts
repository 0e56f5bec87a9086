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

/** A place a secret must never be found in: a file's bytes (as latin1 text), the logs, an answer. */
export interface SearchedPlace {
  where: string;
  text: string;
}

/** The data directory's files, the captured logs and every answer kept: where the canary searches look. */
export function canaryPlaces(dataDir: string, logs: string, answers: readonly string[]): SearchedPlace[] {
  return [
    ...dataDirFiles(dataDir).map((f) => ({ where: f.file, text: f.bytes.toString('latin1') })),
    { where: 'logs', text: logs },
    ...answers.map((text, i) => ({ where: `answer ${i}`, text })),
  ];
}

/** Each secret found in a place, as "<its first 12 characters>… in <place>" (the secret itself is not repeated). */
export function leaksOf(secrets: readonly string[], places: readonly SearchedPlace[]): string[] {
  return secrets.flatMap((secret) => places.filter((p) => p.text.includes(secret)).map((p) => `${secret.slice(0, 12)}… in ${p.where}`));
}
