import { describe, expect, it } from 'vitest';
import { createSharedLoads } from '../../src/http/sse.ts';

/** Open tabs of one view share a reload per change, never one that started before the change they wait for. */
describe('shared loads of live views', () => {
  const counter = () => {
    let n = 0;
    return { load: async () => ({ n: ++n }), calls: () => n };
  };

  it('gives the streams of one key one load per change, with its JSON', async () => {
    const loads = createSharedLoads();
    const leaves = [loads.join('a'), loads.join('a'), loads.join('a')];
    const c = counter();
    loads.tick();
    const since = loads.seq;
    const answers = await Promise.all([0, 1, 2].map(() => loads.run('a', since, c.load)));
    expect(c.calls()).toBe(1);
    expect(answers.map((a) => a.data)).toEqual(['{"n":1}', '{"n":1}', '{"n":1}']);
    // A later change needs a new load, shared again.
    loads.tick();
    const next = await Promise.all([0, 1].map(() => loads.run('a', loads.seq, c.load)));
    expect(c.calls()).toBe(2);
    expect(next.map((a) => a.value)).toEqual([{ n: 2 }, { n: 2 }]);
    for (const leave of leaves) leave();
  });

  it('never reuses a load that started before the change a stream waits for', async () => {
    const loads = createSharedLoads();
    const leave = loads.join('a');
    const c = counter();
    let release = () => {};
    const slow = () => new Promise<{ n: number }>((r) => (release = () => r({ n: 0 })));
    loads.tick();
    const early = loads.run('a', loads.seq, slow);
    loads.tick(); // a change arrives while the first load runs
    const late = loads.run('a', loads.seq, c.load);
    release();
    expect((await early).value).toEqual({ n: 0 });
    expect((await late).value).toEqual({ n: 1 });
    leave();
  });

  it('keeps keys apart, forgets a key when its last stream closes, and retries after a failed load', async () => {
    const loads = createSharedLoads();
    const leaveA = loads.join('a');
    const leaveB = loads.join('b');
    const c = counter();
    loads.tick();
    await loads.run('a', loads.seq, c.load);
    await loads.run('b', loads.seq, c.load);
    expect(c.calls()).toBe(2);
    leaveB();
    // Without a stream the key is not shared: every run loads.
    await loads.run('b', loads.seq, c.load);
    await loads.run('b', loads.seq, c.load);
    expect(c.calls()).toBe(4);
    loads.tick();
    await expect(loads.run('a', loads.seq, () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect((await loads.run('a', loads.seq, c.load)).value).toEqual({ n: 5 });
    leaveA();
  });
});
