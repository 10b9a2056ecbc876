import { describe, expect, it } from 'vitest';
import type { VoiceRoutingOutcome } from '@trunkline/contracts';
import type { DnsProvider, DnsRecord, RecordType } from '../../src/dns/dns-provider.ts';
import type { TenantDirectory, TenantDomain, TenantUser } from '../../src/microsoft/tenant-directory.ts';
import type { RoutingPlan } from '../../src/routing/plan.ts';
import {
  activationStep,
  dnsStep,
  domainStep,
  voiceRoutingStep,
  type Outcome,
  type StepContext,
} from '../../src/routing/steps.ts';
import type { TeamsExecutor } from '../../src/teams/teams-executor.ts';

/**
 * The routing steps against in-memory fakes typed as their ports: what each records (before the change it
 * records) and what its removal does with that record alone.
 */

const FQDN = 'acme.sbc.provider.example';
const UPN = `trunkline-activation@${FQDN}`;
const E3 = {
  skuId: 'sku-e3',
  skuPartNumber: 'ENTERPRISEPACK',
  consumedUnits: 0,
  prepaidUnits: { enabled: 5 },
};

const plan: RoutingPlan = {
  tenantId: 'tenant',
  trunkFqdn: FQDN,
  zone: 'sbc.provider.example',
  ttl: 300,
  addresses: { a: ['198.51.100.10'], aaaa: ['2001:db8::10'] },
  activation: { upn: UPN, usageLocation: 'US', skus: ['ENTERPRISEPACK'] },
  teams: {
    tenantId: 'tenant',
    pstnUsage: 'Trunkline',
    voiceRoute: {
      identity: 'Trunkline',
      numberPattern: '.*',
      priority: 1,
      gateways: [FQDN],
      description: 'x',
    },
    policy: { identity: 'Unrestricted', grantGlobal: false },
  },
  dnsVerifyDeadlineMinutes: 60,
  teamsActivationDeadlineHours: 24,
};

/** One customer tenant and the provider's zone, in memory; `log` lists every change in order. */
function world() {
  const log: string[] = [];
  const zone = new Map<string, string[]>();
  const key = (name: string, type: RecordType) => `${name.toLowerCase()} ${type}`;
  const dns: DnsProvider = {
    kind: 'fake',
    zone: plan.zone,
    async read(name, type) {
      return (zone.get(key(name, type)) ?? []).map((value): DnsRecord => ({ name, type, ttl: 300, value }));
    },
    async replace(name, type, values, _ttl, expected) {
      const now = zone.get(key(name, type)) ?? [];
      if (expected && expected.join() !== now.join()) throw new Error('prerequisite failed');
      log.push(`dns ${type} ${values.join(',') || '-'}`);
      zone.set(key(name, type), [...values]);
    },
    async add(r) {
      log.push(`dns add ${r.type} ${r.value}`);
      zone.set(key(r.name, r.type), [...(zone.get(key(r.name, r.type)) ?? []), r.value]);
    },
    async remove(r) {
      log.push(`dns remove ${r.type} ${r.value}`);
      zone.set(
        key(r.name, r.type),
        (zone.get(key(r.name, r.type)) ?? []).filter((v) => v !== r.value),
      );
    },
  };
  const domains = new Map<string, TenantDomain & { text: string }>();
  const users = new Map<string, TenantUser>();
  const directory: TenantDirectory = {
    getDomain: async (fqdn) => domains.get(fqdn) ?? null,
    async addDomain(fqdn) {
      log.push(`add domain ${fqdn}`);
      const d = { id: fqdn, isVerified: false, text: 'MS=ms12345678' };
      domains.set(fqdn, d);
      return d;
    },
    verificationRecords: async (fqdn) => [
      { recordType: 'Txt', label: fqdn, text: domains.get(fqdn)!.text, ttl: 3600 },
    ],
    async verifyDomain(fqdn) {
      const d = domains.get(fqdn)!;
      if (!(zone.get(key(fqdn, 'TXT')) ?? []).includes(d.text)) return { verified: false, reason: 'no TXT' };
      d.isVerified = true;
      return { verified: true };
    },
    async deleteDomain(fqdn) {
      log.push(`delete domain ${fqdn}`);
      domains.delete(fqdn);
    },
    getUser: async (upn) => users.get(upn) ?? null,
    async createUser(u) {
      log.push(`create user ${u.userPrincipalName}`);
      const user = {
        id: `id-${u.userPrincipalName}`,
        userPrincipalName: u.userPrincipalName,
        assignedLicenses: [],
      };
      users.set(u.userPrincipalName, user);
      return user;
    },
    async assignLicense(id, skuId) {
      log.push(`assign ${skuId}`);
      [...users.values()].find((u) => u.id === id)!.assignedLicenses.push({ skuId });
    },
    async removeLicense(id, skuId) {
      log.push(`unassign ${skuId}`);
      const u = [...users.values()].find((x) => x.id === id)!;
      u.assignedLicenses = u.assignedLicenses.filter((l) => l.skuId !== skuId);
    },
    async deleteUser(id) {
      log.push(`delete user ${id}`);
      for (const [upn, u] of users) if (u.id === id) users.delete(upn);
    },
    subscribedSkus: async () => [E3],
    organization: async () => ({ id: 'tenant', displayName: 'Contoso', verifiedDomains: [] }),
  };
  let owned: VoiceRoutingOutcome | undefined;
  const executor: TeamsExecutor = {
    kind: 'config-api',
    preview: async () => [],
    apply: async () => [],
    async remove(_token, _plan, o) {
      owned = o;
      return [];
    },
  };
  /** A step context whose checkpoints are logged (in order with the changes) and kept. */
  const context = (previous: Outcome = {}) => {
    const checkpoints: Outcome[] = [];
    const ctx: StepContext = {
      plan,
      configureDns: true,
      dns: async () => dns,
      directory,
      teamsToken: async () => 'token',
      executor: () => executor,
      sbcProvisioner: () => Promise.reject(new Error('no SBC in these tests')),
      previous,
      checkpoint: async (o) => {
        log.push('checkpoint');
        checkpoints.push(structuredClone(o));
      },
    };
    return { ctx, checkpoints };
  };
  return { log, zone, domains, users, context, dns, owned: () => owned };
}

const outcomeOf = async (p: ReturnType<typeof domainStep.apply>) => {
  const r = await p;
  expect(r.kind).toBe('done');
  return r.outcome!;
};

describe('routing steps against in-memory ports', () => {
  it('domain: records "created" before creating it; removal deletes it and the TXT it wrote, once', async () => {
    const w = world();
    const { ctx, checkpoints } = w.context();
    const outcome = await outcomeOf(domainStep.apply(ctx));
    expect(w.log).toEqual(['checkpoint', `add domain ${FQDN}`, 'checkpoint', 'dns add TXT MS=ms12345678']);
    expect(checkpoints[0]).toEqual({ fqdn: FQDN, created: true, txtWritten: [] });
    expect(outcome).toEqual({ fqdn: FQDN, created: true, txtWritten: ['MS=ms12345678'] });

    // A second run finds the domain verified: it stays Trunkline's.
    const again = await outcomeOf(domainStep.apply(w.context(outcome).ctx));
    expect(again).toEqual(outcome);

    w.log.length = 0;
    await domainStep.remove(w.context(again).ctx);
    expect(w.log).toEqual([`delete domain ${FQDN}`, 'dns remove TXT MS=ms12345678']);
    w.log.length = 0;
    await domainStep.remove(w.context(again).ctx);
    expect(w.log).toEqual([]);
  });

  it('domain: one that was there (and its TXT record) stays', async () => {
    const w = world();
    w.domains.set(FQDN, { id: FQDN, isVerified: true, text: 'MS=ms1' });
    w.zone.set(`${FQDN} TXT`, ['MS=ms1']);
    const outcome = await outcomeOf(domainStep.apply(w.context().ctx));
    expect(outcome).toEqual({ fqdn: FQDN, created: false, txtWritten: [] });
    const r = await domainStep.remove(w.context(outcome).ctx);
    expect(r.message).toMatch(/there before Trunkline; left in place/);
    expect(w.log).toEqual([]);
  });

  it("activation: a customer's user keeps itself and its own licence; a licence Trunkline assigned is taken back", async () => {
    const w = world();
    w.users.set(UPN, { id: 'u1', userPrincipalName: UPN, assignedLicenses: [] });
    const outcome = await outcomeOf(activationStep.apply(w.context().ctx));
    expect(w.log).toEqual(['checkpoint', 'assign sku-e3']);
    expect(outcome).toEqual({
      upn: UPN,
      createdUser: false,
      licence: { skuId: 'sku-e3', skuPartNumber: 'ENTERPRISEPACK' },
    });
    w.log.length = 0;
    await activationStep.remove(w.context(outcome).ctx);
    expect(w.log).toEqual(['unassign sku-e3']);
    expect(w.users.get(UPN)).toBeDefined();

    // Licensed before Trunkline: nothing recorded, nothing removed.
    const w2 = world();
    w2.users.set(UPN, { id: 'u2', userPrincipalName: UPN, assignedLicenses: [{ skuId: 'sku-e3' }] });
    const kept = await outcomeOf(activationStep.apply(w2.context().ctx));
    expect(kept).toEqual({ upn: UPN, createdUser: false, licence: null });
    await activationStep.remove(w2.context(kept).ctx);
    expect(w2.log).toEqual([]);
  });

  it('activation: a user Trunkline created stays Trunkline’s across runs and is deleted on removal', async () => {
    const w = world();
    const first = await outcomeOf(activationStep.apply(w.context().ctx));
    expect(w.log.slice(0, 2)).toEqual(['checkpoint', `create user ${UPN}`]);
    const second = await outcomeOf(activationStep.apply(w.context(first).ctx));
    expect(second).toMatchObject({ createdUser: true });
    w.log.length = 0;
    await activationStep.remove(w.context(second).ctx);
    expect(w.log).toEqual([`delete user id-${UPN}`]);
  });

  it('dns: puts back the records it replaced, and leaves records someone changed since', async () => {
    const w = world();
    w.zone.set(`${FQDN} A`, ['192.0.2.99']);
    const outcome = await outcomeOf(dnsStep.apply(w.context().ctx));
    expect(outcome).toEqual({
      fqdn: FQDN,
      records: [
        { type: 'A', before: ['192.0.2.99'], wrote: ['198.51.100.10'] },
        { type: 'AAAA', before: [], wrote: ['2001:db8::10'] },
      ],
    });
    w.zone.set(`${FQDN} AAAA`, ['2001:db8::99']);
    const r = await dnsStep.remove(w.context(outcome).ctx);
    expect(w.zone.get(`${FQDN} A`)).toEqual(['192.0.2.99']);
    expect(w.zone.get(`${FQDN} AAAA`)).toEqual(['2001:db8::99']);
    expect(r.message).toMatch(/AAAA left alone/);
  });

  it('reads the records runs wrote before the typed outcomes as what they said Trunkline created', async () => {
    const w = world();
    w.zone.set(`${FQDN} A`, ['198.51.100.10']);
    await dnsStep.remove(w.context({ wrote: ['A 198.51.100.10', 'AAAA (none)'] }).ctx);
    expect(w.zone.get(`${FQDN} A`)).toEqual([]);

    w.domains.set(FQDN, { id: FQDN, isVerified: true, text: 'MS=ms1' });
    await domainStep.remove(w.context({ createdDomain: false }).ctx);
    expect(w.domains.has(FQDN)).toBe(true);
    await domainStep.remove(w.context({ createdDomain: true, txt: 'MS=ms1' }).ctx);
    expect(w.domains.has(FQDN)).toBe(false);

    await voiceRoutingStep.remove(
      w.context({ created: ['pstn-usage:Trunkline', 'voice-routing-policy:Unrestricted'] }).ctx,
    );
    expect(w.owned()).toEqual({
      usage: { name: 'Trunkline', added: true },
      route: null,
      policy: { identity: 'Unrestricted', created: true, usageAdded: true },
      globalGrant: null,
    });
  });
});
