export * from './event-store.port';
export * from './event-store.errors';
export { assertExpectedRevision, isExpectedRevision, NO_STREAM_REVISION } from './expected-revision';
export { createEventStore, EventStoreConfigError, type CreateEventStoreOptions } from './create-event-store';
export {
  SqliteEventStore,
  type SqliteEventStoreOptions,
  type SqliteSubscribeOptions,
} from './sqlite/sqlite-event-store';
export {
  CatchUpSubscription,
  type GlobalLogSource,
  type SubscriptionErrorHandler,
} from './sqlite/catch-up-subscription';
export {
  GroupCommitter,
  type CommitBatch,
  type CommitOutcome,
  type GroupCommitStats,
  type GroupCommitterOptions,
} from './sqlite/group-commit';
export { openSqlite, type OpenSqliteOptions, type SqliteSynchronous } from './sqlite/open-sqlite';
