export * from './payload-store.port';
export * from './payload-store.errors';
export { SqlitePayloadStore, type SqlitePayloadStoreOptions } from './sqlite/sqlite-payload-store';
export { SqlitePayloadAudit, type PayloadRowInfo, type PayloadReadBack } from './sqlite/sqlite-payload-audit';
