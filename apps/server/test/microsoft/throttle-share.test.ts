import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSharedThrottleGate, throttleKeys } from '../../src/microsoft/throttle.ts';
import { openChangeFeed, type ChangeFeed } from '../../src/platform/changes/change-feed.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

const token = (claims: Record<string, unknown>) =>
  `x.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.y`;

/**
 * Two processes' throttle gates over the database's notifications, as the composition root wires them: each
 * process's change feed (its own listening connection on PostgreSQL; on PGlite both feeds share the embedded
 * database, which is one process's) carries the gate's deferrals on their own channel. With two worker processes
 * each used to learn a 429 only from its own (the 500-tenant bench: 0 of 322 app-wide 429s honoured).
 */
describe('throttle gate shared over the change feed', () => {
  let db: TestDatabase;
  let feeds: ChangeFeed[] = [];
  const log = createLogger({ level: 'silent' });

  beforeAll(async () => {
    db = await createTestDatabase();
    feeds = [await openChangeFeed(db.handle, log), await openChangeFeed(db.handle, log)];
  });
  afterAll(async () => {
    for (const f of feeds) await f.close();
    await db?.drop();
  });

  const until = async (check: () => boolean, ms = 5_000) => {
    for (const end = Date.now() + ms; !check(); await new Promise((r) => setTimeout(r, 20)))
      if (Date.now() > end) throw new Error('not heard in time');
  };

  it("one process's app-wide 429 holds the app in the other; a tenant's holds that tenant only", async () => {
    const [first, second] = feeds.map((f) => createSharedThrottleGate(f));
    await Promise.all([first!.listening, second!.listening]);
    const [t1, t2, t3] = ['t1', 't2', 't3'].map((tid) => throttleKeys('graph', token({ appid: 'app', tid })));
    expect(second!.holdSeconds(t2!)).toBe(0);
    first!.defer(t1!, 30, 'Tenant_Application/ReadWrite/app/t1');
    await until(() => second!.holdSeconds(t1!) > 0);
    expect(second!.holdSeconds(t1!)).toBeGreaterThanOrEqual(29);
    // Its own notification comes back to the first gate too, and is skipped: learnt again it would push the wait
    // out by the delivery time (a whole second with Retry-After's rounding; the 10-tenant bench ran 4 × longer).
    await new Promise((r) => setTimeout(r, 300));
    expect(first!.deferrals()).toBe(1);
    expect(second!.deferrals()).toBe(1);
    expect(second!.holdSeconds(t2!)).toBe(0);
    second!.defer(t2!, 20, 'Application/Write/app/t2');
    await until(() => first!.holdSeconds(t3!) > 0);
    expect(first!.holdSeconds(t3!)).toBeGreaterThanOrEqual(19);
  });

  it('messages on other channels are not changes, and a malformed deferral is ignored', async () => {
    const changes: unknown[] = [];
    const unsubscribe = feeds[1]!.subscribe((c) => changes.push(c));
    const heard: string[] = [];
    await feeds[1]!.listen('bench_other', (p) => heard.push(p));
    feeds[0]!.notify('bench_other', 'hello');
    feeds[0]!.notify('trunkline_throttle', '{"tenant":1}');
    await until(() => heard.length > 0);
    expect(heard).toEqual(['hello']);
    expect(changes).toEqual([]);
    unsubscribe();
    expect(() => feeds[0]!.notify('trunkline_changes', '{}')).toThrow(/channel/);
    await expect(feeds[0]!.listen('bad channel; drop', () => undefined)).rejects.toThrow(/channel/);
  });
});
