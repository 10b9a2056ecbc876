import { Writable } from 'node:stream';
import { createLogger } from '../../src/platform/logger.ts';

/** A real pino logger writing into memory, so tests can read every line the server logged. */
export function captureLogs(level = 'debug') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger({ level, destination: stream }), lines, text: () => lines.join('\n') };
}
