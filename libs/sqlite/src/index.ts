export {
  GroupCommitter,
  type CommitBatch,
  type CommitOutcome,
  type GroupCommitStats,
  type GroupCommitterOptions,
} from './group-commit';
export { openSqlite, type OpenSqliteOptions, type SqliteSynchronous } from './open-sqlite';
export { assertSchema, migrateSchema } from './schema-migrations';
export {
  SqliteDatabase,
  SqliteWriteError,
  useSqliteDatabase,
  type Durability,
  type SqliteDatabaseChoice,
  type SqliteDatabaseOptions,
  type SqliteWrite,
} from './sqlite-database';
export { WalSync, type SyncFile } from './wal-sync';
