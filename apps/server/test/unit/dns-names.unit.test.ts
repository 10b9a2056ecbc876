import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DnsError } from '../../src/dns/dns-provider.ts';
import { canonicalIpv6, canonicalName, ownerInZone } from '../../src/dns/names.ts';

const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.split('');
/** A valid label: letters and digits with inner hyphens, 1–63 characters. */
const label = fc.oneof(
  fc.constantFrom(...letters),
  fc
    .tuple(
      fc.constantFrom(...letters),
      fc.array(fc.constantFrom(...letters, '-'), { maxLength: 61 }),
      fc.constantFrom(...letters),
    )
    .map(([a, inner, z]) => a + inner.join('') + z),
);
const name = fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.'));

const dnsError = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof DnsError) return e;
    throw e;
  }
  throw new Error('expected a DnsError');
};

describe('DNS names as the adapters accept them', () => {
  it('canonicalises any valid name to lower case, and that form is its own canonical form', () => {
    fc.assert(
      fc.property(name, (n) => {
        const c = canonicalName(n);
        expect(c).toBe(n.toLowerCase());
        expect(canonicalName(c!)).toBe(c);
      }),
    );
  });

  it.each([
    ['', 'empty'],
    ['sbc.example.', 'trailing dot'],
    ['sbc..example', 'empty label'],
    ['-sbc.example', 'leading hyphen'],
    ['sbc-.example', 'trailing hyphen'],
    ['s b.example', 'space'],
    ['sbc.exämple', 'non-ASCII'],
    [`${'a'.repeat(64)}.example`, 'label over 63'],
    [Array(64).fill('abc').join('.'), 'name over 253'],
  ])('refuses %j (%s)', (n) => {
    expect(canonicalName(n)).toBeUndefined();
  });

  it('accepts a wildcard label and underscores (_acme-challenge)', () => {
    expect(canonicalName('*.SBC.example')).toBe('*.sbc.example');
    expect(canonicalName('_acme-challenge.sbc.example')).toBe('_acme-challenge.sbc.example');
  });

  it('writes equal IPv6 addresses the same way', () => {
    expect(canonicalIpv6('2001:DB8:0:0:0:0:0:10')).toBe('2001:db8::10');
    expect(canonicalIpv6('2001:db8::10')).toBe('2001:db8::10');
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        expect(canonicalIpv6(canonicalIpv6(ip))).toBe(canonicalIpv6(ip));
      }),
    );
  });

  it('finds the owner of a name inside the zone, and refuses one outside it before anything is sent', () => {
    fc.assert(
      fc.property(name, name, (zone, sub) => {
        expect(ownerInZone(`${sub}.${zone}`, zone.toLowerCase(), 'nothing was sent')).toBe(
          `${sub}.${zone}`.toLowerCase(),
        );
        expect(ownerInZone(zone, zone.toLowerCase(), 'nothing was sent')).toBe(zone.toLowerCase());
      }),
    );
    // A name that merely ends with the zone's text is not in the zone.
    const outside = dnsError(() =>
      ownerInZone('evilsbc.example', 'sbc.example', 'nothing was sent to 127.0.0.1:53'),
    );
    expect(outside.kind).toBe('invalid');
    expect(outside.message).toBe(
      "The name 'evilsbc.example' is not in zone 'sbc.example': nothing was sent to 127.0.0.1:53.",
    );
    expect(dnsError(() => ownerInZone('bad..name', 'sbc.example', 'x')).kind).toBe('invalid');
  });
});
