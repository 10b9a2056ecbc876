import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ADDRESS_BUDGET_FACTOR,
  delayAfter,
  EMAIL_BUDGET_FACTOR,
  FIRST_DELAY_MS,
  throttleFor,
  type LoginFailureCounts,
} from '../../src/auth/throttle.ts';

const policy = { maxFailures: 5, windowMs: 15 * 60_000 };
const now = new Date('2026-12-07T12:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);

const counts = fc
  .record({
    pair: fc.nat(200),
    ip: fc.nat(500),
    email: fc.nat(2000),
    pairAgo: fc.nat(policy.windowMs),
    ipAgo: fc.nat(policy.windowMs),
  })
  .map((c): LoginFailureCounts => ({
    pair: c.pair,
    pairLast: c.pair ? ago(c.pairAgo) : null,
    ip: Math.max(c.ip, c.pair),
    ipOldest: Math.max(c.ip, c.pair) ? ago(c.ipAgo) : null,
    email: Math.max(c.email, c.pair),
  }));

describe('sign-in throttle policy', () => {
  it('never refuses an address without failures, however many others failed for the e-mail', () => {
    fc.assert(
      fc.property(fc.nat(1_000_000), (email) => {
        expect(
          throttleFor({ pair: 0, pairLast: null, ip: 0, ipOldest: null, email }, now, policy),
        ).toBeNull();
      }),
    );
  });

  it('lets an address use its free failures, then makes it wait, longer after every further failure', () => {
    for (let n = 0; n < policy.maxFailures; n++) expect(delayAfter(n, policy)).toBe(0);
    expect(delayAfter(policy.maxFailures, policy)).toBe(FIRST_DELAY_MS);
    fc.assert(
      fc.property(fc.integer({ min: policy.maxFailures, max: 100 }), (n) => {
        expect(delayAfter(n + 1, policy)).toBeGreaterThanOrEqual(delayAfter(n, policy));
        expect(delayAfter(n, policy)).toBeLessThanOrEqual(policy.windowMs);
      }),
    );
    expect(delayAfter(policy.maxFailures + 1, policy)).toBe(2 * FIRST_DELAY_MS);
  });

  it('answers with a Retry-After that is positive, within the window, and exactly when a wait applies', () => {
    fc.assert(
      fc.property(counts, (c) => {
        const wait = throttleFor(c, now, policy);
        if (wait === null) return;
        expect(wait).toBeGreaterThanOrEqual(1);
        expect(wait).toBeLessThanOrEqual(policy.windowMs / 1000);
        // Waiting that long is enough: the same counts no longer refuse the address then.
        expect(throttleFor(c, new Date(now.getTime() + wait * 1000), policy)).toBeNull();
      }),
    );
  });

  it('refuses an address that spent its budget over many e-mails (password spraying)', () => {
    const ip = policy.maxFailures * ADDRESS_BUDGET_FACTOR;
    expect(throttleFor({ pair: 0, pairLast: null, ip, ipOldest: ago(60_000), email: 0 }, now, policy)).toBe(
      (policy.windowMs - 60_000) / 1000,
    );
    expect(
      throttleFor({ pair: 0, pairLast: null, ip: ip - 1, ipOldest: ago(60_000), email: 0 }, now, policy),
    ).toBeNull();
  });

  it('closes a distributed attack on one e-mail to the addresses that took part, not to others', () => {
    const email = policy.maxFailures * EMAIL_BUDGET_FACTOR;
    const attacker = { pair: 1, pairLast: ago(1000), ip: 1, ipOldest: ago(1000), email };
    expect(throttleFor(attacker, now, policy)).toBeGreaterThan(0);
    expect(throttleFor({ ...attacker, email: email - 1 }, now, policy)).toBeNull();
    expect(
      throttleFor({ pair: 0, pairLast: null, ip: 3, ipOldest: ago(1000), email }, now, policy),
    ).toBeNull();
  });
});
