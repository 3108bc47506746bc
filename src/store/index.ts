export * from './types.js';
export { openStore, storeDialect, DEFAULT_DATABASE_PATH } from './open.js';
export { CallRecorder, type CallRecorderOptions } from './recorder.js';
