export { loadConfig, type Config } from './config/config.ts';
export { startRuntime, type Runtime, type RunMode } from './app/runtime.ts';
export { createLogger } from './platform/logger.ts';
export { openDatabase } from './platform/db/database.ts';
