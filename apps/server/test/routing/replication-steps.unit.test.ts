import { describe, expect, it } from 'vitest';
import { ACTIVATION_LICENCES, activationCandidates } from '../../src/routing/activation-licences.ts';
import {
  DirectoryError,
  type SubscribedSku,
  type TenantDirectory,
  type TenantUser,
} from '../../src/microsoft/tenant-directory.ts';
import type { RoutingPlan } from '../../src/routing/plan.ts';
import {
  activationStep,
  domainStep,
  REPLICATION_DEADLINE_MINUTES,
  StepFailure,
  type StepContext,
} from '../../src/routing/steps.ts';

/**
 * The domain and activation steps against Microsoft's eventual consistency (a directory that answers 404 for an
 * object just created, and "already exists" when it is created again) and the licences that activate a domain.
 */

const FQDN = 'acme.sbc.provider.example';
const UPN = `trunkline-activation@${FQDN}`;
const sku = (skuPartNumber: string, used = 0): SubscribedSku => ({
  skuId: `sku-${skuPartNumber.toLowerCase()}`,
  skuPartNumber,
  consumedUnits: used,
  prepaidUnits: { enabled: 5 },
});

const plan = (skus: string[]) =>
  ({
    tenantId: 'tenant',
    trunkFqdn: FQDN,
    activation: { upn: UPN, usageLocation: 'US', skus },
    dnsVerifyDeadlineMinutes: 60,
  }) as unknown as RoutingPlan;

const notFound = (id: string) =>
  new DirectoryError(
    'not-found',
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
    { status: 404, code: 'Request_ResourceNotFound' },
  );
const duplicate = (prop: string) =>
  new DirectoryError('rejected', `Another object with the same value for property ${prop} already exists.`, {
    status: 400,
    code: 'Request_BadRequest',
  });

/** A directory whose listed operations fail once with the given errors, otherwise a simple tenant. */
const directory = (
  skus: SubscribedSku[],
  failOnce: Partial<Record<keyof TenantDirectory, Error>> = {},
): TenantDirectory & { assigned: string[] } => {
  const once = <T>(name: keyof TenantDirectory, then: () => Promise<T>) => {
    const e = failOnce[name];
    if (e) {
      delete failOnce[name];
      return Promise.reject(e);
    }
    return then();
  };
  let user: TenantUser | null = null;
  const assigned: string[] = [];
  return {
    assigned,
    getDomain: async () => null,
    addDomain: (fqdn) => once('addDomain', async () => ({ id: fqdn, isVerified: false })),
    verificationRecords: (fqdn) =>
      once('verificationRecords', async () => [
        { recordType: 'Txt', label: fqdn, text: 'MS=ms1', ttl: 3600 },
      ]),
    verifyDomain: () => once('verifyDomain', async () => ({ verified: true as const })),
    deleteDomain: async () => {},
    getUser: async () => user,
    createUser: (u) =>
      once('createUser', async () => {
        user = { id: 'u1', userPrincipalName: u.userPrincipalName, assignedLicenses: [] };
        return user;
      }),
    assignLicense: (_id, skuId) =>
      once('assignLicense', async () => {
        assigned.push(skuId);
      }),
    removeLicense: async () => {},
    deleteUser: async () => {},
    subscribedSkus: async () => skus,
    organization: async () => ({ id: 'tenant', displayName: 'Contoso', verifiedDomains: [] }),
  };
};

const context = (dir: TenantDirectory, skus: string[] = ['ENTERPRISEPACK'], previous = {}) =>
  ({
    plan: plan(skus),
    configureDns: false,
    dns: async () => {
      throw new Error('no DNS in this test');
    },
    directory: dir,
    teamsToken: async () => 'token',
    executor: () => {
      throw new Error('no Teams in this test');
    },
    previous,
    checkpoint: async () => {},
  }) as unknown as StepContext;

describe('read-after-write against a replicating directory', () => {
  it('domain: a 404 on the new domain’s verification records is a bounded, visible wait, not a failure', async () => {
    const r = await domainStep.apply(context(directory([], { verificationRecords: notFound(FQDN) })));
    expect(r).toMatchObject({
      kind: 'wait',
      then: 'fail',
      deadlineMinutes: REPLICATION_DEADLINE_MINUTES,
      outcome: { fqdn: FQDN, created: true },
    });
    expect(r.message).toMatch(/does not show the new domain .* on every server yet/);
    expect(r.message).toContain('does not exist');
  });

  it('domain: "already exists" when the domain is not readable yet (an earlier attempt created it) waits too', async () => {
    const r = await domainStep.apply(context(directory([], { addDomain: duplicate('id') })));
    expect(r).toMatchObject({ kind: 'wait', then: 'fail', outcome: { created: true } });
  });

  it('domain: a 404 from verify waits; any other refusal is not taken for replication', async () => {
    expect((await domainStep.apply(context(directory([], { verifyDomain: notFound(FQDN) })))).kind).toBe(
      'wait',
    );
    const refused = new DirectoryError('rejected', 'The domain name is invalid.', { status: 400 });
    await expect(domainStep.apply(context(directory([], { addDomain: refused })))).rejects.toBe(refused);
  });

  it('activation: a 404 assigning the licence to the user just created waits, and the retry assigns the same licence', async () => {
    const dir = directory([sku('ENTERPRISEPACK')], { assignLicense: notFound('u1') });
    const first = await activationStep.apply(context(dir));
    expect(first).toMatchObject({
      kind: 'wait',
      outcome: { createdUser: true, licence: { skuPartNumber: 'ENTERPRISEPACK' } },
    });
    expect(first.message).toMatch(/does not show the new user trunkline-activation@/);
    const second = await activationStep.apply(context(dir, ['ENTERPRISEPACK'], first.outcome));
    expect(second.kind).toBe('done');
    expect(dir.assigned).toEqual(['sku-enterprisepack']);
  });

  it('activation: "already exists" creating the user (created by an earlier attempt, not readable yet) waits', async () => {
    const r = await activationStep.apply(
      context(directory([sku('ENTERPRISEPACK')], { createUser: duplicate('userPrincipalName') })),
    );
    expect(r).toMatchObject({ kind: 'wait', then: 'fail', outcome: { createdUser: true } });
  });
});

describe('licences that activate a domain', () => {
  it('skips a preferred licence that does not activate (MCOEV) and assigns one that does', async () => {
    const dir = directory([sku('MCOEV'), sku('ENTERPRISEPACK')]);
    const r = await activationStep.apply(context(dir, ['MCOEV', 'ENTERPRISEPACK']));
    expect(r).toMatchObject({ kind: 'done', outcome: { licence: { skuPartNumber: 'ENTERPRISEPACK' } } });
    expect(dir.assigned).toEqual(['sku-enterprisepack']);
  });

  it('falls back to another activating licence of the tenant when none of the preferences is there', async () => {
    const dir = directory([sku('MCOEV'), sku('SPB')]);
    const r = await activationStep.apply(context(dir, ['MCOEV', 'ENTERPRISEPACK']));
    expect(r).toMatchObject({ kind: 'done', outcome: { licence: { skuPartNumber: 'SPB' } } });
  });

  it('fails with a clear message when the tenant has no licence that activates a domain', async () => {
    const dir = directory([sku('MCOEV'), sku('TEAMS_EXPLORATORY')]);
    const e = await activationStep.apply(context(dir, ['MCOEV'])).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StepFailure);
    expect((e as Error).message).toMatch(
      /^The tenant has no licence that activates a domain for Direct Routing \(it holds MCOEV, TEAMS_EXPLORATORY\)\. .*Office 365 E1\/E3\/E5.*Teams Phone alone or a Teams-only licence does not count/,
    );
    expect(dir.assigned).toEqual([]);
  });

  it('a user that holds only a non-activating licence is given one that activates', async () => {
    const dir = directory([sku('MCOEV'), sku('ENTERPRISEPACK')]);
    await dir.createUser({
      userPrincipalName: UPN,
      displayName: 'x',
      mailNickname: 'x',
      usageLocation: 'US',
      password: 'x',
    });
    (await dir.getUser(UPN))!.assignedLicenses.push({ skuId: 'sku-mcoev' });
    const r = await activationStep.apply(context(dir, ['MCOEV']));
    expect(r).toMatchObject({ kind: 'done', outcome: { createdUser: false } });
    expect(dir.assigned).toEqual(['sku-enterprisepack']);
  });

  it('orders candidates: preferences that activate first, then the data list; never a non-activating SKU', () => {
    const skus = [sku('MCOEV'), sku('SPE_E3'), sku('STANDARDPACK'), sku('ENTERPRISEPACK')];
    expect(activationCandidates(['MCOEV', 'SPE_E3'], skus).map((s) => s.skuPartNumber)).toEqual([
      'SPE_E3',
      'STANDARDPACK',
      'ENTERPRISEPACK',
    ]);
    expect(ACTIVATION_LICENCES.map((l) => l.skuPartNumber)).not.toContain('MCOEV');
  });
});
