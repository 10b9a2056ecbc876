import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SbcManagementUrlSchema, SbcWriteSchema, sessionLimitFor } from './sbcs.ts';

describe('sessionLimitFor', () => {
  it('is ceil(users × factor), at least 1', () => {
    expect(sessionLimitFor(10, 1)).toBe(10);
    expect(sessionLimitFor(30, 0.1)).toBe(3); // 30 × 0.1 is 3.0000000000000004 in binary floating point
    expect(sessionLimitFor(31, 0.1)).toBe(4);
    expect(sessionLimitFor(3, 0.5)).toBe(2);
    expect(sessionLimitFor(1, 0.01)).toBe(1);
    expect(sessionLimitFor(0, 2)).toBe(1);
  });

  it('covers every user with the factor and is never one session too many (factors with two decimals)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 10_000 }), (users, cents) => {
        const limit = sessionLimitFor(users, cents / 100);
        // Exact in integers: limit is the least whole number ≥ users × cents / 100, at least 1.
        expect(limit * 100).toBeGreaterThanOrEqual(users * cents);
        expect(limit === 1 || (limit - 1) * 100 < users * cents).toBe(true);
      }),
    );
  });
});

describe('SbcWriteSchema', () => {
  const valid = {
    name: 'Berlin',
    kind: 'audiocodes',
    managementUrl: 'https://sbc.provider.example',
    carrierFqdn: 'SBC.Provider.Example',
    addresses: ['203.0.113.1'],
  };

  it('fills the defaults and normalises the carrier FQDN', () => {
    const parsed = SbcWriteSchema.parse(valid);
    expect(parsed).toMatchObject({
      model: 'shared-trunk',
      sessionsPerUser: 1,
      carrierFqdn: 'sbc.provider.example',
    });
    expect(parsed.password).toBeUndefined(); // absent: keep (on a change)
    expect(SbcWriteSchema.parse({ ...valid, password: null }).password).toBeNull(); // null: clear
  });

  it('refuses management URLs that are not https (http only on loopback) or carry credentials', () => {
    for (const url of [
      'http://10.0.0.5:8080',
      'http://sbc.example',
      'ftp://sbc.example',
      'https://admin:pw@sbc.example',
      'sbc.example',
      'javascript:alert(1)',
    ])
      expect(SbcManagementUrlSchema.safeParse(url).success, url).toBe(false);
    for (const url of [
      'https://sbc.example',
      'http://127.0.0.1:8040',
      'http://localhost:1',
      'https://[2001:db8::5]',
    ])
      expect(SbcManagementUrlSchema.safeParse(url).success, url).toBe(true);
  });

  it('refuses empty or too many addresses and impossible capacities', () => {
    expect(SbcWriteSchema.safeParse({ ...valid, addresses: [] }).success).toBe(false);
    expect(SbcWriteSchema.safeParse({ ...valid, addresses: Array(9).fill('203.0.113.1') }).success).toBe(
      false,
    );
    expect(SbcWriteSchema.safeParse({ ...valid, maxCustomers: 0 }).success).toBe(false);
    expect(SbcWriteSchema.safeParse({ ...valid, maxSessions: 2.5 }).success).toBe(false);
    expect(SbcWriteSchema.safeParse({ ...valid, sessionsPerUser: 0 }).success).toBe(false);
  });
});
