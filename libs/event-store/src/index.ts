export * from './event-store.port';
export * from './event-store.errors';
export { assertExpectedRevision, isExpectedRevision, NO_STREAM_REVISION } from './expected-revision';
export { createEventStore, EventStoreConfigError, sqliteFileOf, type CreateEventStoreOptions } from './create-event-store';
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
// The embedded stores' shared SQLite pieces live in @warden/sqlite; these types stay reachable here.
export type { GroupCommitStats, SqliteSynchronous } from '@warden/sqlite';
