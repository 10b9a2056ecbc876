import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { editTrunkName, resolveTrunkName, ServiceUpdateSchema } from '@trunkline/contracts';
import { editBody, editedTrunkName, editValuesOf, type EditedService } from './serviceEdit.ts';

const ZONE = 'old-zone.example';
const service = (over: Partial<EditedService> = {}): EditedService => ({
  fullName: 'Contoso',
  shortName: 'Contoso',
  subdomain: 'contoso',
  subdomainOverridden: false,
  zone: ZONE,
  trunkNameFixed: false,
  licensedUsers: 5,
  ...over,
});

describe('the edit form of a service', () => {
  it('sends nothing when nothing changed', () => {
    const s = service({ subdomain: 'chosen', subdomainOverridden: true });
    expect(editBody(s, editValuesOf(s))).toEqual({});
  });

  it('sends null to go back to the derived label, and a label to choose one (even the derived one)', () => {
    const chosen = service({ subdomain: 'chosen', subdomainOverridden: true });
    expect(editBody(chosen, { ...editValuesOf(chosen), overrideSubdomain: false })).toEqual({
      subdomain: null,
    });
    const derived = service();
    expect(
      editBody(derived, { ...editValuesOf(derived), overrideSubdomain: true, subdomain: 'contoso' }),
    ).toEqual({
      subdomain: 'contoso',
    });
  });

  it('never sends a subdomain once the trunk name is fixed, and shows the name the service has', () => {
    const fixed = service({ trunkNameFixed: true });
    const values = {
      ...editValuesOf(fixed),
      shortName: 'Fabrikam',
      overrideSubdomain: true,
      subdomain: 'other',
    };
    expect(editBody(fixed, values)).toEqual({ shortName: 'Fabrikam' });
    expect(editedTrunkName(fixed, values)).toMatchObject({ fqdn: `contoso.${ZONE}`, problem: null });
  });

  it('shows the trunk name the server will store for the body it sends', () => {
    const ascii = fc.string({
      unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      maxLength: 16,
    });
    const label = fc
      .string({ unit: fc.constantFrom(...'abc123-'.split('')), minLength: 1, maxLength: 12 })
      .filter((l) => !l.startsWith('-') && !l.endsWith('-'));
    fc.assert(
      fc.property(
        ascii,
        label,
        fc.boolean(),
        ascii,
        fc.boolean(),
        ascii,
        (short, sub, overridden, newShort, over, newSub) => {
          const stored = resolveTrunkName({
            shortName: short,
            override: overridden ? sub : null,
            baseDomain: ZONE,
          });
          fc.pre(stored.problem === null);
          const s = service({
            shortName: short,
            subdomain: stored.label,
            subdomainOverridden: stored.overridden,
          });
          const values = {
            ...editValuesOf(s),
            shortName: newShort,
            overrideSubdomain: over,
            subdomain: newSub,
          };
          const shown = editedTrunkName(s, values);
          const body = editBody(s, values);
          const parsed = ServiceUpdateSchema.safeParse({ fullName: 'x', ...body });
          fc.pre(parsed.success && shown.problem === null);
          // The server: a new short name or subdomain resolves the trunk name again in the service's zone.
          const update = parsed.data!;
          const server =
            update.shortName !== undefined || update.subdomain !== undefined
              ? editTrunkName(s, update)
              : stored;
          expect([server.label, server.fqdn, server.overridden]).toEqual([
            shown.label,
            shown.fqdn,
            shown.overridden,
          ]);
        },
      ),
      { numRuns: 300 },
    );
  });
});
