import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FORBIDDEN_SHORT_NAME_CHARS,
  ServiceCreateSchema,
  ShortNameSchema,
  SubdomainLabelSchema,
  deriveSubdomainLabel,
  shortNameProblem,
} from './services.ts';

const ok = (v: string) => ShortNameSchema.safeParse(v).success;

describe('short name rules', () => {
  it.each(FORBIDDEN_SHORT_NAME_CHARS.map((c) => [c]))('rejects the forbidden character %s', (c) => {
    expect(ok(`ab${c}cd`)).toBe(false);
    expect(shortNameProblem(`ab${c}cd`)).toContain(c);
  });

  it.each([
    ['ab', false, /At least 3/],
    ['abc', true, null],
    ['a'.repeat(15), true, null],
    ['a'.repeat(16), false, /At most 15/],
    ['', false, /Enter a short name/],
    ['ab.cd', false, /dot/],
    ['ab cd', false, /Spaces/],
    ['ab\tcd', false, /Spaces/],
    ['ab\ncd', false, /Spaces/],
    ['ab\u00a0cd', false, /Spaces/],
    ['ab\u0000cd', false, /Control/],
    ['ab\u0007cd', false, /Control/],
    ['ab\u007fcd', false, /Control/],
    ['abçd', false, /DNS name/],
    ['ab🙂cd', false, /DNS name/],
    ['Contoso-01', true, null],
    ['UPPER_lower', true, null],
    ["a!#$%&'()+,;=@", true, null],
    ['[x]{y}~`^', true, null],
    ['!!!', true, null],
  ])('%j → valid %s', (value, valid, message) => {
    expect(ok(value)).toBe(valid);
    if (message) expect(shortNameProblem(value)).toMatch(message);
    else expect(shortNameProblem(value)).toBeNull();
  });

  const allowedChar = fc
    .integer({ min: 0x21, max: 0x7e })
    .map((c) => String.fromCharCode(c))
    .filter((c) => c !== '.' && !(FORBIDDEN_SHORT_NAME_CHARS as readonly string[]).includes(c));

  it('accepts every string of 3–15 allowed printable ASCII characters', () => {
    fc.assert(fc.property(fc.string({ unit: allowedChar, minLength: 3, maxLength: 15 }), (s) => ok(s)));
  });

  it('rejects every string holding a character outside printable ASCII', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: allowedChar, minLength: 1, maxLength: 7 }),
        fc
          .integer({ min: 0, max: 0x10ffff })
          .filter((c) => (c < 0x21 || c > 0x7e) && (c < 0xd800 || c > 0xdfff)),
        fc.string({ unit: allowedChar, minLength: 1, maxLength: 7 }),
        (a, c, b) => !ok(a + String.fromCodePoint(c) + b),
      ),
    );
  });

  it('rejects any length outside 3–15 whatever the characters', () => {
    fc.assert(fc.property(fc.string({ unit: allowedChar, minLength: 16, maxLength: 40 }), (s) => !ok(s)));
    fc.assert(fc.property(fc.string({ unit: allowedChar, maxLength: 2 }), (s) => !ok(s)));
  });
});

describe('subdomain label', () => {
  it.each([
    ['Contoso', 'contoso'],
    ['Contoso_01', 'contoso-01'],
    ['--Ab!!cd--', 'ab-cd'],
    ['!!!', ''],
    ['A*B', 'a-b'],
  ])('derives %j → %j', (short, label) => expect(deriveSubdomainLabel(short)).toBe(label));

  it('always derives a valid label or an empty one from a valid short name', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
          minLength: 3,
          maxLength: 15,
        }),
        (s) => {
          const label = deriveSubdomainLabel(s);
          return label === '' || SubdomainLabelSchema.safeParse(label).success;
        },
      ),
    );
  });

  it.each([['-ab'], ['ab-'], ['a_b'], ['a.b'], ['a'.repeat(64)], ['']])(
    'rejects the override %j',
    (label) => {
      expect(SubdomainLabelSchema.safeParse(label).success).toBe(false);
    },
  );
});

describe('new service body', () => {
  const base = {
    customerId: '6a0f1c3e-8a3b-4c1d-9f00-000000000001',
    type: 'direct-routing',
    fullName: ' Contoso Ltd ',
    shortName: 'contoso',
    licenseType: 'hosted-essentials-plus',
    licensedUsers: 10,
  };
  it('takes credentials or an invitation, and trims the full name', () => {
    const a = ServiceCreateSchema.parse({
      ...base,
      adminAuth: { method: 'credentials', username: 'Admin@Contoso.onmicrosoft.com', password: 'x' },
    });
    expect(a.fullName).toBe('Contoso Ltd');
    expect(a.adminAuth).toMatchObject({ username: 'admin@contoso.onmicrosoft.com' });
    expect(
      ServiceCreateSchema.safeParse({ ...base, adminAuth: { method: 'invite', email: 'it@contoso.com' } })
        .success,
    ).toBe(true);
  });
  it('names every bad field by its path', () => {
    const r = ServiceCreateSchema.safeParse({
      ...base,
      shortName: 'a.b',
      licensedUsers: 501,
      adminAuth: { method: 'invite', email: 'nope' },
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.')).sort()).toEqual([
      'adminAuth.email',
      'licensedUsers',
      'shortName',
    ]);
  });
});
