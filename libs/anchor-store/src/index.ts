export * from './anchor-store.port';
export { MemoryAnchorStore } from './memory-anchor-store';
export { SqliteAnchorStore } from './sqlite/sqlite-anchor-store';
