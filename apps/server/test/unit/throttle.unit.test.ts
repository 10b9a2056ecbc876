import { describe, expect, it } from 'vitest';
import {
  createThrottleGate,
  retryAfterOf,
  retryAfterSeconds,
  throttleKeys,
} from '../../src/microsoft/throttle.ts';

const token = (claims: Record<string, unknown>) =>
  `x.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.y`;

/** Pacing by what Microsoft said: per app and tenant, and the whole app once several of its tenants are throttled. */
describe('throttle gate', () => {
  it('holds one tenant of an app for Microsoft’s wait, and no other tenant', () => {
    let now = 1_000_000;
    const gate = createThrottleGate({ now: () => now });
    const a = throttleKeys('graph', token({ appid: 'app', tid: 'tenant-a' }));
    const b = throttleKeys('graph', token({ appid: 'app', tid: 'tenant-b' }));
    gate.defer(a, 30);
    expect(gate.holdSeconds(a)).toBe(30);
    expect(gate.holdSeconds(b)).toBe(0);
    now += 29_500;
    expect(gate.holdSeconds(a)).toBe(1);
    now += 500;
    expect(gate.holdSeconds(a)).toBe(0);
  });

  it('holds the whole app when three of its tenants are throttled within 10 s, and keeps the longest wait', () => {
    let now = 0;
    const gate = createThrottleGate({ now: () => now });
    const keys = ['t1', 't2', 't3', 't4'].map((tid) => throttleKeys('teams', token({ azp: 'app', tid })));
    gate.defer(keys[0]!, 5);
    gate.defer(keys[1]!, 5);
    expect(gate.holdSeconds(keys[3]!)).toBe(0);
    now += 2_000;
    gate.defer(keys[2]!, 20);
    expect(gate.holdSeconds(keys[3]!)).toBe(20);
    gate.defer(keys[0]!, 1); // a shorter wait never shortens a longer one
    expect(gate.holdSeconds(keys[0]!)).toBe(20);
    // Another app, or the same app on another surface, is not held.
    expect(gate.holdSeconds(throttleKeys('graph', token({ azp: 'app', tid: 't4' })))).toBe(0);
  });

  it('holds the whole app at once when the 429 names the app as its scope (x-ms-throttle-scope)', () => {
    let now = 0;
    const gate = createThrottleGate({ now: () => now });
    const [a, b] = ['t1', 't2'].map((tid) => throttleKeys('graph', token({ appid: 'app', tid })));
    gate.defer(a!, 3, 'Tenant_Application/ReadWrite/app/t1');
    expect(gate.holdSeconds(b!)).toBe(0);
    gate.defer(a!, 4, 'Application/Write/app/t1');
    expect(gate.holdSeconds(b!)).toBe(4);
    now += 4_000;
    expect(gate.holdSeconds(b!)).toBe(0);
  });

  it('does not count throttles older than 10 s towards the whole app', () => {
    let now = 0;
    const gate = createThrottleGate({ now: () => now });
    const keys = ['t1', 't2', 't3', 't4'].map((tid) => throttleKeys('graph', token({ appid: 'app', tid })));
    gate.defer(keys[0]!, 1);
    now += 11_000;
    gate.defer(keys[1]!, 1);
    gate.defer(keys[2]!, 1);
    expect(gate.holdSeconds(keys[3]!)).toBe(0);
  });

  it('reads keys from any token, Retry-After in both forms, and the wait from wrapped errors', () => {
    expect(throttleKeys('graph', 'not-a-jwt')).toEqual({ app: 'graph:-', tenant: 'graph:-:-' });
    expect(retryAfterSeconds('7')).toBe(7);
    expect(retryAfterSeconds(new Date(10_000).toUTCString(), 0)).toBe(10);
    expect(retryAfterSeconds(null)).toBeUndefined();
    expect(retryAfterSeconds('soon')).toBeUndefined();
    const inner = Object.assign(new Error('429'), { retryAfterSeconds: 12 });
    expect(retryAfterOf(new Error('wrapped', { cause: inner }))).toBe(12);
    expect(retryAfterOf(new Error('plain'))).toBeUndefined();
  });
});
