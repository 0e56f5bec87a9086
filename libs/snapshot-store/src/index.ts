export * from './snapshot-store.port';
export { SqliteSnapshotStore } from './sqlite/sqlite-snapshot-store';
