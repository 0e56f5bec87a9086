import type Database from 'better-sqlite3';

/**
 * Versioned schemas of the components that share one SQLite file (the event log, the payloads):
 * each keeps its own version in `schema_versions`, and migration N brings it from N-1 to N.
 * Append a migration; never edit one that has shipped.
 */
const VERSIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_versions (
  component TEXT    PRIMARY KEY,
  version   INTEGER NOT NULL
) WITHOUT ROWID`;

export function migrateSchema(db: Database.Database, component: string, migrations: readonly string[]): void {
  db.transaction(() => {
    db.exec(VERSIONS_TABLE);
    const current = versionOf(db, component);
    if (current > migrations.length) {
      throw new Error(`${component} schema version ${current} is newer than this build (${migrations.length})`);
    }
    for (let version = current + 1; version <= migrations.length; version += 1) {
      db.exec(migrations[version - 1]);
      db.prepare(
        'INSERT INTO schema_versions (component, version) VALUES (?, ?) ON CONFLICT (component) DO UPDATE SET version = excluded.version',
      ).run(component, version);
    }
  }).immediate();
}

/** For read-only connections: throws unless the component's schema is exactly this build's. */
export function assertSchema(db: Database.Database, component: string, migrations: readonly string[]): void {
  const current = versionOf(db, component);
  if (current !== migrations.length) {
    throw new Error(`${component} schema version ${current}, this build needs ${migrations.length}`);
  }
}

function versionOf(db: Database.Database, component: string): number {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_versions'").get();
  if (!table) return 0;
  const row = db.prepare('SELECT version FROM schema_versions WHERE component = ?').get(component) as { version: number } | undefined;
  return row?.version ?? 0;
}
