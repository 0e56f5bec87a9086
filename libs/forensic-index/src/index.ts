export * from './forensic-index.port';
export { ForensicQueryError } from './forensic-query-error';
export { SqliteForensicIndex, type SqliteForensicIndexOptions } from './sqlite/sqlite-forensic-index';
export { microsOf } from './sqlite/micros';
