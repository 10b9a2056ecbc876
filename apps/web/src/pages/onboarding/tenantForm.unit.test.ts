import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ServiceCreateSchema, ServiceDraftDataSchema, type LicenseType } from '@trunkline/contracts';
import {
  clientErrors,
  emptyValues,
  formPath,
  fromDraft,
  licensedUsersProblem,
  stepOf,
  toBody,
  toDraft,
  trunkNameOf,
  type TenantValues,
} from './tenantForm.ts';

const ESSENTIALS: LicenseType = { id: 'hosted-essentials-plus', name: 'Essentials+', description: '' };
const CUSTOMER = '7d1f3c2a-5b4e-4d6f-8a9b-0c1d2e3f4a5b';
const ZONE = 'sbc.provider.example';

const valid = (over: Partial<TenantValues> = {}): TenantValues => ({
  ...emptyValues([ESSENTIALS]),
  fullName: 'Contoso Ltd',
  shortName: 'Contoso',
  licensedUsers: 5,
  adminAuth: { username: 'admin@contoso.example', password: 'a password', email: '' },
  ...over,
});

/** Any form state a user can type: free text everywhere, numbers or '' for the licensed users. */
const anyValues = fc.record({
  fullName: fc.string({ maxLength: 250 }),
  shortName: fc.string({ maxLength: 120 }),
  overrideSubdomain: fc.boolean(),
  subdomain: fc.string({ maxLength: 120 }),
  licenseType: fc.option(fc.string({ minLength: 1, maxLength: 120 }), { nil: null }),
  licensedUsers: fc.oneof(fc.constant(''), fc.integer({ min: -10, max: 200_000 }), fc.double()),
  sendInvite: fc.boolean(),
  adminAuth: fc.record({
    username: fc.string({ maxLength: 300 }),
    // Recognisable wherever it might leak.
    password: fc.uuid().map((id) => `secret-${id}`),
    email: fc.string({ maxLength: 300 }),
  }),
});

describe('new-tenant form helpers', () => {
  it('puts every field on the step that shows it', () => {
    expect(stepOf('fullName')).toBe(0);
    expect(stepOf('subdomain')).toBe(0);
    expect(stepOf('licensedUsers')).toBe(1);
    expect(stepOf('adminAuth.email')).toBe(2);
    expect(stepOf('adminAuth')).toBe(2);
    expect(stepOf('adminAuthority')).toBe(-1);
    expect(stepOf('customerId')).toBe(-1);
  });

  it('preselects the only licence type on offer, and nothing when there is a choice', () => {
    expect(emptyValues([ESSENTIALS]).licenseType).toBe(ESSENTIALS.id);
    expect(emptyValues([ESSENTIALS, { ...ESSENTIALS, id: 'other' }]).licenseType).toBeNull();
    expect(emptyValues([]).licenseType).toBeNull();
  });

  it('keeps a draft the server accepts, without the password, for any form state', () => {
    fc.assert(
      fc.property(anyValues, fc.integer({ min: 0, max: 2 }), (values, step) => {
        const draft = toDraft(values, step);
        expect(ServiceDraftDataSchema.safeParse(draft).success).toBe(true);
        expect(JSON.stringify(draft)).not.toContain(values.adminAuth.password);
        expect(Object.keys(draft)).not.toContain('password');
      }),
    );
  });

  it('restores a saved draft as the form that was left (all but the password)', () => {
    fc.assert(
      fc.property(anyValues, (values) => {
        const draft = toDraft(values, 1);
        const back = fromDraft(draft, [ESSENTIALS]);
        expect(back.fullName).toBe(values.fullName.slice(0, 200));
        expect(back.shortName).toBe(values.shortName.slice(0, 100));
        expect(back.sendInvite).toBe(values.sendInvite);
        expect(back.adminAuth.password).toBe('');
        expect(back.adminAuth.username).toBe(values.adminAuth.username.slice(0, 254));
        // Saved again, the draft is the same (the only licence type on offer filled in): nothing drifts.
        const again = toDraft(back, 1);
        expect(again).toEqual({ ...draft, licenseType: draft.licenseType ?? ESSENTIALS.id });
        expect(toDraft(fromDraft(again, [ESSENTIALS]), 1)).toEqual(again);
      }),
    );
  });

  it('sends a body the server schema accepts once the browser finds nothing wrong', () => {
    expect(clientErrors(valid(), CUSTOMER, { baseDomain: ZONE, remaining: 10 })).toEqual({});
    expect(ServiceCreateSchema.safeParse(toBody(valid(), CUSTOMER)).success).toBe(true);
    const invite = valid({
      sendInvite: true,
      adminAuth: { username: '', password: '', email: 'it@contoso.example' },
    });
    expect(toBody(invite, CUSTOMER).adminAuth).toEqual({ method: 'invite', email: 'it@contoso.example' });
    fc.assert(
      fc.property(anyValues, (values) => {
        const errors = clientErrors(values, CUSTOMER, { baseDomain: ZONE, remaining: undefined });
        if (Object.keys(errors).length === 0)
          expect(ServiceCreateSchema.safeParse(toBody(values, CUSTOMER)).success).toBe(true);
      }),
    );
  });

  it('derives the trunk name from the short name unless the subdomain is chosen', () => {
    const derived = trunkNameOf(valid(), ZONE);
    expect(derived).toMatchObject({ label: 'contoso', fqdn: `contoso.${ZONE}`, overridden: false });
    const chosen = trunkNameOf(valid({ overrideSubdomain: true, subdomain: 'Voice' }), ZONE);
    expect(chosen).toMatchObject({ label: 'voice', fqdn: `voice.${ZONE}`, overridden: true });
    // Without the base domain (still loading) there is a label but no FQDN yet.
    expect(trunkNameOf(valid())).toMatchObject({ label: 'contoso', fqdn: '' });
    // A derived subdomain has no input of its own: its problems show on the short name.
    expect(formPath('subdomain', valid())).toBe('shortName');
    expect(formPath('subdomain', valid({ overrideSubdomain: true }))).toBe('subdomain');
    expect(formPath('fullName', valid())).toBe('fullName');
  });

  it('checks the licensed users against what the customer has left', () => {
    expect(licensedUsersProblem(5, 10)).toBeNull();
    expect(licensedUsersProblem(10, 10)).toBeNull();
    expect(licensedUsersProblem(11, 10)).toBe('Only 10 licensed users remain for this customer.');
    expect(licensedUsersProblem(1, 0)).toBe('This customer has no licensed users left.');
    expect(licensedUsersProblem(500, undefined)).toBeNull();
    expect(licensedUsersProblem('', 3)).toBeNull();
    expect(clientErrors(valid({ licensedUsers: 11 }), CUSTOMER, { baseDomain: ZONE, remaining: 10 })).toEqual(
      {
        licensedUsers: 'Only 10 licensed users remain for this customer.',
      },
    );
  });
});
