import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { LOW_MEMORY_NODE_FLAGS, SERVER_NODE_FLAGS, serverNodeFlags } from '../apps/server/src/node-flags.ts';

/** The V8 flags `npm start` gives the server process (apps/server/src/node-flags.ts) and their override. */
describe('server node flags', () => {
  it('are the defaults without SERVER_NODE_FLAGS, none when it is empty, its list when set', () => {
    expect(serverNodeFlags({})).toEqual([...SERVER_NODE_FLAGS]);
    expect(serverNodeFlags({ SERVER_NODE_FLAGS: '' })).toEqual([]);
    expect(serverNodeFlags({ SERVER_NODE_FLAGS: '  --liftoff-only   --max-semi-space-size=2 ' })).toEqual([
      '--liftoff-only',
      '--max-semi-space-size=2',
    ]);
  });

  it('the defaults and the low-memory choice are accepted by this Node (an unknown V8 flag stops the server)', () => {
    for (const flags of [SERVER_NODE_FLAGS, LOW_MEMORY_NODE_FLAGS]) {
      const run = spawnSync(process.execPath, [...flags, '-e', 'process.stdout.write("ok")'], {
        encoding: 'utf8',
      });
      expect(run.stderr).toBe('');
      expect(run.stdout).toBe('ok');
    }
  });
});
