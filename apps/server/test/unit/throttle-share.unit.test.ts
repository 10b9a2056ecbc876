import { describe, expect, it } from 'vitest';
import {
  createThrottleGate,
  parseDeferral,
  throttleKeys,
  type ThrottleDeferral,
  type ThrottleGate,
} from '../../src/microsoft/throttle.ts';

const token = (claims: Record<string, unknown>) =>
  `x.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.y`;

/**
 * The gates of several processes tell each other what Microsoft said (in the server over the database's
 * notifications, here directly): with two worker processes each learnt only from its own 429s, and requests went
 * out inside the other's Retry-After (the 500-tenant bench on PostgreSQL: 0 of 322 app-wide 429s honoured).
 */
describe('throttle gates shared between processes', () => {
  /** `n` gates on one clock, each one's deferrals delivered to every gate as its payload (its own included). */
  function processes(n: number) {
    let now = 0;
    const sent: string[] = [];
    const gates: ThrottleGate[] = [];
    for (let i = 0; i < n; i++)
      gates.push(
        createThrottleGate({
          now: () => now,
          share: (d) => {
            const payload = JSON.stringify(d);
            sent.push(payload);
            for (const g of gates) {
              const heard = parseDeferral(payload);
              if (heard) g.learn(heard);
            }
          },
        }),
      );
    return { gates, sent, advance: (ms: number) => (now += ms) };
  }

  it('an app-wide 429 seen by one process holds the app in every process, until the same moment', () => {
    const { gates, sent, advance } = processes(3);
    const [a, b] = ['t1', 't2'].map((tid) => throttleKeys('graph', token({ appid: 'app', tid })));
    gates[0]!.defer(a!, 4, 'Application/Write/app/t1');
    expect(sent).toHaveLength(1); // what was learnt is not shared again
    for (const g of gates) expect(g.holdSeconds(b!)).toBe(4);
    advance(3_500);
    for (const g of gates) expect(g.holdSeconds(b!)).toBe(1);
    advance(500);
    for (const g of gates) expect(g.holdSeconds(b!)).toBe(0);
  });

  it('a tenant-scoped 429 holds that tenant everywhere and no other; three tenants in 10 s hold the app', () => {
    const { gates } = processes(2);
    const keys = ['t1', 't2', 't3', 't4'].map((tid) => throttleKeys('teams', token({ azp: 'app', tid })));
    gates[0]!.defer(keys[0]!, 5, 'Tenant_Application/ReadWrite/app/t1');
    expect(gates[1]!.holdSeconds(keys[0]!)).toBe(5);
    expect(gates[1]!.holdSeconds(keys[3]!)).toBe(0);
    // Three tenants throttled in different processes: each process sees all three.
    gates[1]!.defer(keys[1]!, 5);
    gates[0]!.defer(keys[2]!, 7);
    for (const g of gates) expect(g.holdSeconds(keys[3]!)).toBe(7);
  });

  it('a gate without share keeps it to itself, and a shorter wait learnt never shortens a longer one', () => {
    const alone = createThrottleGate({ now: () => 0 });
    const keys = throttleKeys('graph', token({ appid: 'app', tid: 't1' }));
    alone.defer(keys, 10);
    alone.learn({ ...keys, seconds: 2, scope: null });
    expect(alone.holdSeconds(keys)).toBe(10);
  });

  it('reads only well-formed deferrals', () => {
    const ok: ThrottleDeferral = { tenant: 'graph:app:t1', app: 'graph:app', seconds: 3, scope: null };
    expect(parseDeferral(JSON.stringify(ok))).toEqual(ok);
    expect(parseDeferral(JSON.stringify({ ...ok, scope: 'Application/Write/app/t1' }))?.scope).toBe(
      'Application/Write/app/t1',
    );
    for (const bad of [
      'not json',
      'null',
      JSON.stringify({ ...ok, seconds: -1 }),
      JSON.stringify({ ...ok, seconds: 'soon' }),
      JSON.stringify({ ...ok, seconds: 86_400 }),
      JSON.stringify({ ...ok, tenant: 7 }),
      JSON.stringify({ ...ok, scope: 3 }),
    ])
      expect(parseDeferral(bad)).toBeNull();
  });
});
