export * from './errors';
export * from './base64';
export * from './ed25519';
export * from './note-keys';
export * from './signed-note';
export * from './checkpoint';
export * from './cosignature';
export * from './witness-decision';
