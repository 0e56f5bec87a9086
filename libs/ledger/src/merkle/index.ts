export * from './errors';
export * from './hasher';
export * from './node-id';
export * from './proof';
export * from './verify';
export * from './frontier';
export * from './tree-head';
export * from './memory-node-store';
