import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { resolveTrunkName } from '@trunkline/contracts';
import { clientErrors, emptyValues, formPath, toBody, trunkNameOf, type TenantValues } from './tenantForm.ts';

const ZONE = 'sbc.trunkline.example';
const CUSTOMER = '6a0f1c3e-8a3b-4c1d-9f00-000000000001';
const values = (over: Partial<TenantValues> = {}): TenantValues => ({
  ...emptyValues([{ id: 'hosted-essentials-plus', name: 'Hosted Essentials+', description: '' }]),
  fullName: 'Contoso',
  shortName: 'Contoso',
  licensedUsers: 5,
  adminAuth: { username: 'admin@contoso.onmicrosoft.com', password: 'x', email: '' },
  ...over,
});

describe('the new-tenant form and its trunk name', () => {
  it('derives the trunk from the short name, and shows the FQDN once the zone is known', () => {
    expect(trunkNameOf(values(), ZONE)).toMatchObject({ label: 'contoso', fqdn: `contoso.${ZONE}` });
    expect(trunkNameOf(values())).toMatchObject({ label: 'contoso', fqdn: '' });
    expect(clientErrors(values(), CUSTOMER, { baseDomain: ZONE, remaining: 10 })).toEqual({});
  });

  it('a short name without letters or digits forces the override, and the subdomain field carries its problems', () => {
    const bangs = values({ shortName: '+++' });
    expect(trunkNameOf(bangs)).toMatchObject({ overridden: true, overrideRequired: true });
    expect(clientErrors(bangs, CUSTOMER, { baseDomain: ZONE, remaining: 10 })).toMatchObject({
      subdomain: 'Enter a subdomain label.',
    });
    expect(toBody({ ...bangs, subdomain: 'Bangs' }, CUSTOMER).subdomain).toBe('Bangs');
    expect(formPath('subdomain', bangs)).toBe('subdomain');
  });

  it('puts an FQDN that is too long on the short name when derived, on the subdomain when overridden', () => {
    const long = 'a'.repeat(15);
    const longZone = `${'z'.repeat(40)}.example`;
    expect(
      clientErrors(values({ shortName: long }), CUSTOMER, { baseDomain: longZone, remaining: 10 }),
    ).toEqual({
      shortName: expect.stringMatching(/Microsoft allows at most 63/),
    });
    expect(formPath('subdomain', values())).toBe('shortName');
    const chosen = values({ overrideSubdomain: true, subdomain: long });
    expect(clientErrors(chosen, CUSTOMER, { baseDomain: longZone, remaining: 10 })).toEqual({
      subdomain: expect.stringMatching(/Microsoft allows at most 63/),
    });
  });

  it('resolves exactly as the server would for the body it sends', () => {
    const printable = fc.string({
      unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      maxLength: 20,
    });
    fc.assert(
      fc.property(printable, fc.boolean(), printable, (shortName, overrideSubdomain, subdomain) => {
        const v = values({ shortName, overrideSubdomain, subdomain });
        const body = toBody(v, CUSTOMER);
        const server = resolveTrunkName({
          shortName: body.shortName,
          override: body.subdomain,
          baseDomain: ZONE,
        });
        const form = trunkNameOf(v, ZONE);
        expect([form.label, form.fqdn, form.problem]).toEqual([server.label, server.fqdn, server.problem]);
      }),
    );
  });
});
