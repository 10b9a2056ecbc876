import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SubdomainLabelSchema,
  TRUNK_FQDN_MAX,
  deriveSubdomainLabel,
  shortNameProblem,
  subdomainLabelProblem,
} from './services.ts';
import { editTrunkName, resolveTrunkName, type StoredTrunkName } from './trunk-name.ts';

const ZONE = 'sbc.trunkline.example';
const ascii = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
/** Any short name: valid, invalid, with or without letters. */
const shortName = fc.oneof(
  fc.string({ unit: ascii, maxLength: 20 }),
  fc.string({ maxLength: 20 }),
  fc.constantFrom('+++', 'Contoso', 'Contoso_01', 'a b', 'ab'),
);
const labelChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-'.split(''));
const validLabel = fc
  .string({ unit: labelChar, minLength: 1, maxLength: 30 })
  .filter((l) => subdomainLabelProblem(l) === null);
/** Any override as typed: valid labels in any case with spaces around, and rubbish. */
const override = fc.oneof(
  validLabel.map((l) => ` ${l.toUpperCase()} `),
  validLabel,
  fc.string({ maxLength: 70 }),
);
const zone = fc.oneof(
  fc.constant(ZONE),
  fc
    .array(fc.string({ unit: labelChar, minLength: 1, maxLength: 20 }), { minLength: 2, maxLength: 4 })
    .map((parts) => parts.join('.')),
);

describe('resolveTrunkName', () => {
  it('derives the label from a valid short name, in the zone given', () => {
    expect(resolveTrunkName({ shortName: 'Contoso_01', baseDomain: ZONE })).toEqual({
      label: 'contoso-01',
      fqdn: `contoso-01.${ZONE}`,
      zone: ZONE,
      overridden: false,
      overrideRequired: false,
      problem: null,
      field: 'shortName',
    });
  });

  it('takes an override as the API normalises it, whatever the short name', () => {
    expect(resolveTrunkName({ shortName: '+++', override: ' Bangs ', baseDomain: ZONE })).toMatchObject({
      label: 'bangs',
      fqdn: `bangs.${ZONE}`,
      overridden: true,
      overrideRequired: true,
      problem: null,
      field: 'subdomain',
    });
  });

  it.each([
    ['+++', undefined, /gives no usable DNS label/, 'shortName'],
    ['a.b', undefined, /dot/, 'shortName'],
    ['Contoso', '', /Enter a subdomain/, 'subdomain'],
    ['Contoso', '-x', /hyphen/, 'subdomain'],
    ['Contoso', 'a'.repeat(42), /64 characters; Microsoft allows at most 63/, 'subdomain'],
  ] as const)('names the problem of %j / %j on the right field', (short, over, problem, field) => {
    const name = resolveTrunkName({ shortName: short, override: over, baseDomain: ZONE });
    expect(name.problem).toMatch(problem);
    expect(name.field).toBe(field);
  });

  it('limits the whole FQDN to 63 characters', () => {
    expect(
      resolveTrunkName({ shortName: 'x', override: 'a'.repeat(41), baseDomain: ZONE }).problem,
    ).toBeNull();
    expect(resolveTrunkName({ shortName: 'x', override: 'a'.repeat(42), baseDomain: ZONE }).problem).toMatch(
      /64 characters/,
    );
  });

  it('without a zone (a form still loading the settings) gives the label but no FQDN and no length check', () => {
    expect(resolveTrunkName({ shortName: 'x', override: 'a'.repeat(60), baseDomain: null })).toMatchObject({
      label: 'a'.repeat(60),
      fqdn: '',
      zone: null,
      problem: null,
    });
  });

  it('whenever it finds no problem, the label is valid and the FQDN is label.zone within 63 characters', () => {
    fc.assert(
      fc.property(shortName, fc.option(override, { nil: undefined }), zone, (s, o, z) => {
        const name = resolveTrunkName({ shortName: s, override: o, baseDomain: z });
        if (name.problem !== null) return;
        expect(SubdomainLabelSchema.safeParse(name.label)).toMatchObject({ success: true, data: name.label });
        expect(name.fqdn).toBe(`${name.label}.${z}`);
        expect(name.fqdn.length).toBeLessThanOrEqual(TRUNK_FQDN_MAX);
        expect(name.zone).toBe(z);
      }),
    );
  });

  it('finds a problem exactly when the API would refuse the name', () => {
    fc.assert(
      fc.property(shortName, fc.option(override, { nil: undefined }), zone, (s, o, z) => {
        const name = resolveTrunkName({ shortName: s, override: o, baseDomain: z });
        const label = o === undefined ? deriveSubdomainLabel(s) : o.trim().toLowerCase();
        const refused =
          (o === undefined && shortNameProblem(s) !== null) ||
          subdomainLabelProblem(label) !== null ||
          `${label}.${z}`.length > TRUNK_FQDN_MAX;
        expect(name.problem !== null).toBe(refused);
        expect(name.overridden).toBe(o !== undefined);
        expect(name.field).toBe(o === undefined ? 'shortName' : 'subdomain');
      }),
    );
  });

  it('ignores the short name once overridden, and the case and spaces of the override', () => {
    fc.assert(
      fc.property(shortName, shortName, validLabel, zone, (a, b, label, z) => {
        const one = resolveTrunkName({ shortName: a, override: label, baseDomain: z });
        const two = resolveTrunkName({ shortName: b, override: `  ${label.toUpperCase()}\t`, baseDomain: z });
        expect({ ...two, overrideRequired: one.overrideRequired }).toEqual(one);
      }),
    );
  });

  it('is stable: a resolved label given back as the override resolves to the same trunk name', () => {
    fc.assert(
      fc.property(shortName, fc.option(override, { nil: undefined }), zone, (s, o, z) => {
        const first = resolveTrunkName({ shortName: s, override: o, baseDomain: z });
        fc.pre(first.problem === null);
        const again = resolveTrunkName({ shortName: s, override: first.label, baseDomain: z });
        expect([again.label, again.fqdn, again.problem]).toEqual([first.label, first.fqdn, null]);
      }),
    );
  });

  it('requires an override exactly for a valid short name without a letter or digit', () => {
    fc.assert(
      fc.property(shortName, (s) => {
        const name = resolveTrunkName({ shortName: s, baseDomain: ZONE });
        expect(name.overrideRequired).toBe(shortNameProblem(s) === null && !/[a-z0-9]/i.test(s));
        if (name.overrideRequired) expect(name.problem).toMatch(/enter a subdomain yourself/);
      }),
    );
  });
});

describe('editTrunkName', () => {
  const stored = (over: Partial<StoredTrunkName> = {}): StoredTrunkName => ({
    shortName: 'Contoso',
    subdomain: 'contoso',
    subdomainOverridden: false,
    zone: 'old-zone.example',
    ...over,
  });

  it('a derived label follows a new short name, in the service’s own zone', () => {
    expect(editTrunkName(stored(), { shortName: 'Fabrikam' })).toMatchObject({
      label: 'fabrikam',
      fqdn: 'fabrikam.old-zone.example',
      overridden: false,
    });
  });

  it('an override stays when the short name changes, even one equal to the derived label', () => {
    expect(editTrunkName(stored({ subdomainOverridden: true }), { shortName: 'Fabrikam' })).toMatchObject({
      label: 'contoso',
      overridden: true,
    });
  });

  it('null goes back to the derived label; a given subdomain overrides', () => {
    const chosen = stored({ subdomain: 'chosen', subdomainOverridden: true });
    expect(editTrunkName(chosen, { subdomain: null })).toMatchObject({ label: 'contoso', overridden: false });
    expect(editTrunkName(stored(), { subdomain: 'Other' })).toMatchObject({
      label: 'other',
      overridden: true,
    });
  });

  it('without a change of names, any stored trunk name resolves to itself', () => {
    fc.assert(
      fc.property(shortName, fc.option(override, { nil: undefined }), zone, (s, o, z) => {
        const name = resolveTrunkName({ shortName: s, override: o, baseDomain: z });
        fc.pre(name.problem === null);
        const current = {
          shortName: s,
          subdomain: name.label,
          subdomainOverridden: name.overridden,
          zone: z,
        };
        expect(editTrunkName(current, {})).toEqual(name);
      }),
    );
  });
});
