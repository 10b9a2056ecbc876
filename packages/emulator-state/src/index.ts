export { openStateFile, type StateFile, type StateFileOptions } from './state-file.ts';
