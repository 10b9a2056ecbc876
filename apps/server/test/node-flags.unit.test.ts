import { describe, expect, it } from 'vitest';
import { SERVER_NODE_FLAGS, serverEnv } from '../src/node-flags.ts';

/** What `npm start` adds to the server process besides its configuration (docs/BENCHMARKS.md "Memory"). */
describe('the server process launch settings', () => {
  it('limit glibc to two malloc arenas unless MALLOC_ARENA_MAX is set', () => {
    expect(serverEnv({})).toEqual({ MALLOC_ARENA_MAX: '2' });
    expect(serverEnv({ MALLOC_ARENA_MAX: '8' })).toEqual({ MALLOC_ARENA_MAX: '8' });
  });

  it('never set a hard heap limit by default (it would stop a process whose live heap outgrows it)', () => {
    expect(SERVER_NODE_FLAGS.some((f) => /max-old-space|max-heap-size/.test(f))).toBe(false);
  });
});
