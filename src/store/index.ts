export * from './types.js';
export { openStore, DEFAULT_DATABASE_PATH } from './open.js';
export { CallRecorder, type CallRecorderOptions } from './recorder.js';
