import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveTrunkName } from '@trunkline/contracts';
import { buildPlan } from '../../src/routing/plan.ts';
import type { EffectiveRouting } from '../../src/routing/routing-settings.service.ts';

const settings = (sbcBaseDomain: string): EffectiveRouting => ({
  sbcBaseDomain,
  dnsSecret: null,
  saved: true,
  sbcAddresses: ['198.51.100.10', '2001:db8::10'],
  dnsTtl: 300,
  pstnUsage: 'Trunkline',
  voiceRoute: { name: 'Trunkline', numberPattern: '.*', priority: 1 },
  policyName: 'Unrestricted',
  activationUser: { localPart: 'trunkline-activation', usageLocation: 'US', skus: ['MCOEV'] },
  dns: { kind: 'manual', resolvers: ['1.1.1.1'] },
  dnsVerifyDeadlineMinutes: 60,
  teamsActivationDeadlineHours: 24,
  teamsExecutor: 'config-api',
  grantGlobalPolicy: false,
});

const label = fc
  .string({
    unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split('')),
    minLength: 1,
    maxLength: 15,
  })
  .map((s) => `x${s}`);
const zone = fc.array(label, { minLength: 2, maxLength: 3 }).map((parts) => parts.join('.'));

describe('buildPlan', () => {
  it('works in the zone the service was created in, whatever the base domain is now', () => {
    fc.assert(
      fc.property(label, zone, zone, (shortName, serviceZone, baseDomainNow) => {
        const name = resolveTrunkName({ shortName, baseDomain: serviceZone });
        fc.pre(name.problem === null);
        const plan = buildPlan(
          { shortName, trunkFqdn: name.fqdn, zone: name.zone },
          'tenant-1',
          settings(baseDomainNow),
        );
        expect(plan.zone).toBe(serviceZone);
        expect(plan.trunkFqdn).toBe(name.fqdn);
        expect(plan.trunkFqdn.endsWith(`.${plan.zone}`)).toBe(true);
        expect(plan.activation.upn).toBe(`trunkline-activation@${name.fqdn}`);
        expect(plan.teams.voiceRoute.gateways).toEqual([name.fqdn]);
      }),
    );
  });

  it('splits the SBC addresses into A and AAAA', () => {
    const plan = buildPlan(
      { shortName: 'c', trunkFqdn: 'c.sbc.example', zone: 'sbc.example' },
      't',
      settings('x.example'),
    );
    expect(plan.addresses).toEqual({ a: ['198.51.100.10'], aaaa: ['2001:db8::10'] });
  });
});
