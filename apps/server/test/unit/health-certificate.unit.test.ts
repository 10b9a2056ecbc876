import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assessCertificate,
  commonNamesOf,
  coveringName,
  matchesIdentifier,
  parseSubjectAltName,
} from '../../src/health/certificate.ts';

const letter = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split(''));
/** A DNS label: letters, digits and inner hyphens, 1 to 20 characters. */
const label = fc
  .array(fc.oneof(letter, letter, fc.constant('-')), { minLength: 1, maxLength: 20 })
  .map((cs) => cs.join(''))
  .filter((l) => !l.startsWith('-') && !l.endsWith('-'));
/** A name of at least `min` labels. */
const name = (min = 2) => fc.array(label, { minLength: min, maxLength: 5 }).map((ls) => ls.join('.'));
const mixCase = (s: string, flips: boolean[]) =>
  s
    .split('')
    .map((c, i) => (flips[i % Math.max(1, flips.length)] ? c.toUpperCase() : c))
    .join('');

describe('RFC 6125 name matching', () => {
  it('a name matches itself, whatever the case and a trailing dot', () => {
    fc.assert(
      fc.property(name(), fc.array(fc.boolean(), { minLength: 1 }), fc.boolean(), (n, flips, dot) => {
        expect(matchesIdentifier(n, `${mixCase(n, flips)}${dot ? '.' : ''}`)).toBe(true);
      }),
    );
  });

  it('a wildcard stands for exactly one left-most label', () => {
    fc.assert(
      fc.property(label, label, name(2), (one, two, base) => {
        expect(matchesIdentifier(`${one}.${base}`, `*.${base}`)).toBe(true);
        // Not the base itself, not two labels.
        expect(matchesIdentifier(base, `*.${base}`)).toBe(false);
        expect(matchesIdentifier(`${two}.${one}.${base}`, `*.${base}`)).toBe(false);
      }),
    );
  });

  it('partial wildcards, wildcards in other labels and wildcards over one label match nothing', () => {
    fc.assert(
      fc.property(label, label, name(2), fc.nat(), (host, tld, base, at) => {
        const cut = at % (host.length + 1);
        const partial = `${host.slice(0, cut)}*${host.slice(cut)}`;
        expect(matchesIdentifier(`${host}.${base}`, `${partial}.${base}`)).toBe(false);
        const rest = base.split('.').slice(1).join('.');
        expect(matchesIdentifier(`${host}.${base}`, `${host}.*.${rest}`)).toBe(false);
        expect(matchesIdentifier(`${host}.${tld}`, `*.${tld}`)).toBe(false);
      }),
    );
  });

  it('a different name never matches', () => {
    fc.assert(
      fc.property(name(), name(), (a, b) => {
        fc.pre(a.toLowerCase() !== b.toLowerCase());
        expect(matchesIdentifier(a, b)).toBe(false);
      }),
    );
  });

  it('the CN counts only when the certificate has no subjectAltName DNS names', () => {
    fc.assert(
      fc.property(name(), name(), (fqdn, other) => {
        fc.pre(fqdn.toLowerCase() !== other.toLowerCase());
        expect(coveringName(fqdn, { dnsNames: [other], commonNames: [fqdn] }).matched).toBeNull();
        expect(coveringName(fqdn, { dnsNames: [], commonNames: [fqdn] }).matched).toBe(fqdn);
      }),
    );
  });

  it('reads the subjectAltName and subject texts of node:crypto', () => {
    expect(
      parseSubjectAltName('DNS:a.example.com, IP Address:192.0.2.1, DNS:"odd, name", DNS:*.b.example.com'),
    ).toEqual({ dnsNames: ['a.example.com', 'odd, name', '*.b.example.com'] });
    expect(parseSubjectAltName(undefined)).toEqual({ dnsNames: [] });
    expect(commonNamesOf('C=DE\nO=Carrier\nCN=sbc.example.com')).toEqual(['sbc.example.com']);
  });
});

describe('certificate expiry', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  const at = (days: number) => new Date(now.getTime() + days * 24 * 3600_000);
  const cert = (notAfter: Date, dnsNames = ['*.sbc.example.com']) => ({
    dnsNames,
    commonNames: [],
    notBefore: at(-100),
    notAfter,
    issuer: 'CN=Test CA',
    trusted: true,
    trustError: null,
  });

  it('green beyond 30 days, amber within, red once expired', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1000, max: 1000 }), (days) => {
        const { light } = assessCertificate('c1.sbc.example.com', cert(at(days + 0.5)), now);
        expect(light).toBe(days < 0 ? 'red' : days < 30 ? 'amber' : 'green');
      }),
    );
  });

  it('a certificate whose chain does not verify is amber, naming the reason', () => {
    const v = assessCertificate(
      'c1.sbc.example.com',
      { ...cert(at(300)), trusted: false, trustError: 'SELF_SIGNED_CERT_IN_CHAIN' },
      now,
    );
    expect(v.light).toBe('amber');
    expect(v.reason).toContain('SELF_SIGNED_CERT_IN_CHAIN');
  });

  it('a name the certificate does not cover is red, with the names it does cover', () => {
    const v = assessCertificate('c1.other.example.com', cert(at(300)), now);
    expect(v.light).toBe('red');
    expect(v.reason).toContain('*.sbc.example.com');
  });
});
