import {
  ServiceHealthResponseSchema,
  ServiceHealthSchema,
  ServicePageSchema,
  type CustomerView,
  type ServiceView,
} from '@trunkline/contracts';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/platform/db/database.ts';
import { openEventStream } from '../lifecycle/events.ts';
import { expectBody, expectStatus } from '../support/client.ts';
import { eventually } from '../support/eventually.ts';
import { customerAdmin } from '../support/ownership.ts';
import { startRoutingWorld, waitForWorkflow, ZONE, type RoutingWorld } from '../support/routing.ts';
import { createTestCa, startSipResponder, type Pem } from '../support/sbc-tls.ts';

/**
 * The per-service health check over real HTTP: the provider's DNS emulator as the resolver, the M365 emulator as the
 * tenant, and a SIP/TLS responder on loopback playing the SBC (certificates made by openssl at test time).
 */

const DAY = 24 * 3600_000;
const CONFIG = '/Skype.Policy/configurations';

describe('the health check of a service', () => {
  let world: RoutingWorld;
  let ca: ReturnType<typeof createTestCa>;
  let sbc: Awaited<ReturnType<typeof startSipResponder>>;
  let otherCa: ReturnType<typeof createTestCa>;
  let certs: Record<'good' | 'expired' | 'wrongName' | 'expiring' | 'cnOnly' | 'untrusted', Pem>;
  let service: { id: string; trunkFqdn: string };
  let customerId: string;

  const check = async () =>
    expectBody(
      await world.admin.post(`/api/v1/services/${service.id}/health/check`),
      200,
      ServiceHealthSchema,
    );
  const light = (h: { checks: { name: string; light: string }[] }) =>
    Object.fromEntries(h.checks.map((c) => [c.name, c.light]));
  const reasonOf = (h: { checks: { name: string; reason: string }[] }, name: string) =>
    h.checks.find((c) => c.name === name)!.reason;

  beforeAll(async () => {
    ca = createTestCa();
    otherCa = createTestCa();
    const now = Date.now();
    const wildcard = `*.${ZONE}`;
    certs = {
      good: ca.issue({
        commonName: wildcard,
        dnsNames: [wildcard],
        from: new Date(now - DAY),
        to: new Date(now + 365 * DAY),
      }),
      expired: ca.issue({
        commonName: wildcard,
        dnsNames: [wildcard],
        from: new Date(now - 400 * DAY),
        to: new Date(now - 2 * DAY),
      }),
      wrongName: ca.issue({
        commonName: 'sbc.elsewhere.example',
        dnsNames: ['sbc.elsewhere.example', `*.sub.${ZONE}`],
        from: new Date(now - DAY),
        to: new Date(now + 365 * DAY),
      }),
      expiring: ca.issue({
        commonName: wildcard,
        dnsNames: [wildcard],
        from: new Date(now - 300 * DAY),
        to: new Date(now + 10 * DAY + 3600_000),
      }),
      // Right name and dates, but from a CA the server does not trust.
      untrusted: otherCa.issue({
        commonName: wildcard,
        dnsNames: [wildcard],
        from: new Date(now - DAY),
        to: new Date(now + 365 * DAY),
      }),
      // The CN names the trunk, but the SANs do not: the CN does not count.
      cnOnly: ca.issue({
        commonName: `health-1.${ZONE}`,
        dnsNames: [`other.${ZONE}.example`],
        from: new Date(now - DAY),
        to: new Date(now + 365 * DAY),
      }),
    };
    sbc = await startSipResponder(certs.good);
    world = await startRoutingWorld({
      env: (dns) => ({
        HEALTH_DNS_RESOLVERS: dns.address,
        HEALTH_SIP_PORT: String(sbc.port),
        HEALTH_TIMEOUT_MS: '3000',
        // The test CA stands for a public CA: its certificates verify.
        HEALTH_TLS_CA_FILE: ca.caFile,
      }),
    });
    // The SBC is this machine: the trunk's A record points at loopback, where the responder listens.
    await world.saveSettings({ sbcAddresses: ['127.0.0.1'] });
    customerId = expectStatus(
      await world.admin.post('/api/v1/customers', { name: 'Health customer' }),
      201,
    ).id;
    service = await world.connectedService(customerId, 'health-1');
  });
  afterAll(async () => {
    await world?.close();
    await sbc?.close();
    ca?.remove();
    otherCa?.remove();
  });

  it('has nothing to show before the first check, and every check is grey before default routing ran', async () => {
    const before = expectBody(
      await world.admin.get(`/api/v1/services/${service.id}/health`),
      200,
      ServiceHealthResponseSchema,
    );
    expect(before.health).toBeNull();
    const h = await check();
    expect(h.overall).toBe('grey');
    expect(new Set(h.checks.map((c) => c.light))).toEqual(new Set(['grey']));
    expect(h.checks.map((c) => c.name)).toEqual(['dns', 'certificate', 'sbc', 'tenant', 'sip-options']);
  });

  it('checks again by itself after the run: DNS, certificate, tenant and SIP OPTIONS green; no SBC configured is grey', async () => {
    expect(
      (await world.admin.post(`/api/v1/services/${service.id}/routing`, { configureDns: true })).status,
    ).toBe(202);
    const run = await waitForWorkflow(
      world.admin,
      service.id,
      (w) => w.status === 'succeeded' || w.status === 'failed',
    );
    expect(run.status, JSON.stringify(run.steps)).toBe('succeeded');
    // The run's finish enqueued a health check (no request from us).
    const h = await eventually('the health check after the run', async () => {
      const { health } = expectBody(
        await world.admin.get(`/api/v1/services/${service.id}/health`),
        200,
        ServiceHealthResponseSchema,
      );
      return health && health.overall !== 'grey' && health;
    });
    expect(light(h), JSON.stringify(h.checks, null, 1)).toEqual({
      dns: 'green',
      certificate: 'green',
      sbc: 'grey',
      tenant: 'green',
      'sip-options': 'green',
    });
    expect(h.overall).toBe('green');
    expect(h.drift).toBe(false);
    const dns = h.checks.find((c) => c.name === 'dns')!;
    expect(dns.details.a).toBe('127.0.0.1');
    expect(dns.details.resolvers).toBe(world.dns.address);
    expect(h.checks.find((c) => c.name === 'certificate')!.details.matched).toBe(`*.${ZONE}`);

    // The SBC saw a well-formed OPTIONS over TLS, with the trunk FQDN as SNI.
    expect(sbc.serverNames).toContain(service.trunkFqdn);
    const options = sbc.requests.at(-1)!.split('\r\n');
    expect(options[0]).toBe(`OPTIONS sip:${service.trunkFqdn}:${sbc.port};transport=tls SIP/2.0`);
    const header = (name: string) => options.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
    expect(header('Via')).toMatch(/^SIP\/2\.0\/TLS [^;]+;branch=z9hG4bK[0-9a-f]+;rport$/);
    expect(header('Max-Forwards')).toBe('70');
    expect(header('From')).toMatch(/^<sip:[^>]+>;tag=[0-9a-f]+$/);
    expect(header('To')).toBe(`<sip:${service.trunkFqdn}>`);
    expect(header('Call-ID')).toMatch(/^[0-9a-f]+@trunkline$/);
    expect(header('CSeq')).toBe('1 OPTIONS');
    expect(header('Content-Length')).toBe('0');

    // The Services list carries the overall light.
    const list = expectBody(await world.admin.get('/api/v1/services?pageSize=100'), 200, ServicePageSchema);
    expect(list.items.find((s) => s.id === service.id)!.health).toEqual({
      overall: 'green',
      checkedAt: h.checkedAt,
    });
  });

  it('an expired certificate is red', async () => {
    sbc.present(certs.expired);
    const h = await check();
    expect(light(h).certificate).toBe('red');
    expect(reasonOf(h, 'certificate')).toMatch(/expired on/);
    expect(h.overall).toBe('red');
  });

  it('a certificate for other names is red, naming what it covers (a wildcard is one label only)', async () => {
    sbc.present(certs.wrongName);
    const h = await check();
    expect(light(h).certificate).toBe('red');
    expect(reasonOf(h, 'certificate')).toContain(`does not cover ${service.trunkFqdn}`);
    expect(reasonOf(h, 'certificate')).toContain(`*.sub.${ZONE}`);
  });

  it('the subject CN does not count when the certificate has subjectAltName DNS names', async () => {
    sbc.present(certs.cnOnly);
    const h = await check();
    expect(light(h).certificate).toBe('red');
  });

  it('a certificate from a CA the server does not trust is amber', async () => {
    sbc.present(certs.untrusted);
    const h = await check();
    expect(light(h).certificate).toBe('amber');
    expect(reasonOf(h, 'certificate')).toMatch(/does not verify against the trusted roots/);
  });

  it('a certificate expiring in 10 days is amber', async () => {
    sbc.present(certs.expiring);
    const h = await check();
    expect(light(h).certificate).toBe('amber');
    expect(reasonOf(h, 'certificate')).toMatch(/expires in 10 days/);
    expect(h.overall).toBe('amber');
    sbc.present(certs.good);
    expect((await check()).overall).toBe('green');
  });

  it('an SBC that answers OPTIONS with 503 is red', async () => {
    sbc.answer(503, 'Service Unavailable');
    const h = await check();
    expect(light(h)['sip-options']).toBe('red');
    expect(reasonOf(h, 'sip-options')).toContain('503 Service Unavailable');
    sbc.answer(200, 'OK');
  });

  it('a missing DNS record is red and drift; Repair re-runs the workflow and the health is green again', async () => {
    // Someone deletes the trunk's address records behind Trunkline's back.
    world.dns.set(service.trunkFqdn, 'A', []);
    world.dns.set(service.trunkFqdn, 'AAAA', []);
    const h = await check();
    expect(light(h).dns).toBe('red');
    expect(reasonOf(h, 'dns')).toContain(`${service.trunkFqdn} does not resolve`);
    expect(h.drift).toBe(true);
    expect(h.checks.find((c) => c.name === 'dns')!.drift).toContainEqual({
      object: `A ${service.trunkFqdn}`,
      expected: '127.0.0.1',
      actual: null,
    });
    const list = expectBody(await world.admin.get('/api/v1/services?pageSize=100'), 200, ServicePageSchema);
    expect(list.items.find((s) => s.id === service.id)!.health?.overall).toBe('red');

    await repairAndWaitForGreen();
    const audit = expectStatus(await world.admin.get('/api/v1/audit?pageSize=100'), 200) as {
      items: { action: string; summary: { drift?: string[] } }[];
    };
    const repair = audit.items.find((e) => e.action === 'service.repair');
    expect(repair?.summary.drift).toContain(`dns: A ${service.trunkFqdn}`);
  });

  it('a voice route deleted in the tenant is drift; Repair puts it back', async () => {
    const admin = await customerAdmin(world);
    const routes = world.emu.control.tenant('contoso').teams.OnlineVoiceRoute as unknown as {
      Identity: string;
      OnlinePstnGatewayList: string[];
    }[];
    const ours = routes.find((r) => r.OnlinePstnGatewayList.includes(service.trunkFqdn))!;
    await admin.teams('DELETE', `${CONFIG}/OnlineVoiceRoute/configuration/${ours.Identity}`);
    const h = await check();
    expect(light(h).tenant).toBe('red');
    expect(h.checks.find((c) => c.name === 'tenant')!.drift.map((d) => d.object)).toContain(
      `voice-route ${ours.Identity}`,
    );
    await repairAndWaitForGreen();
  });

  it('a customer admin sees the health and checks it, but may not repair (403); a second Repair while the run is open is 409', async () => {
    const password = 'a long enough password';
    const user = expectStatus(
      await world.admin.post('/api/v1/users', {
        email: 'health-customer@example.com',
        name: 'Health customer admin',
        role: 'customer_admin',
        customerId,
        password,
      }),
      201,
    );
    const customer = world.server.client();
    await customer.login(user.email, password);
    expect((await check()).overall).toBe('green');
    const seen = expectBody(
      await customer.get(`/api/v1/services/${service.id}/health`),
      200,
      ServiceHealthResponseSchema,
    );
    expect(seen.health?.overall).toBe('green');
    expectStatus(await customer.post(`/api/v1/services/${service.id}/health/check`), 200);
    expect((await customer.post(`/api/v1/services/${service.id}/repair`)).status).toBe(403);

    // The run a Repair starts is picked up by a worker within a polling interval: the second request finds it open.
    const started = expectStatus(await world.admin.post(`/api/v1/services/${service.id}/repair`), 202);
    const again = await world.admin.post(`/api/v1/services/${service.id}/repair`);
    expect(again.status, again.text).toBe(409);
    await waitForWorkflow(
      world.admin,
      service.id,
      (w) => (w as { id?: string }).id === started.id && w.status === 'succeeded',
    );
  });

  it('a new result reaches the service page and the Onboarding view through the change feed', async () => {
    const page = await openEventStream<ServiceView>(
      world.server.url,
      world.admin.cookie!,
      `/api/v1/services/${service.id}/events`,
      'service',
    );
    const onboarding = await openEventStream<CustomerView>(
      world.server.url,
      world.admin.cookie!,
      `/api/v1/customers/${customerId}/events`,
      'customer',
    );
    try {
      const first = await page.next(() => true);
      sbc.answer(503, 'Service Unavailable');
      const h = await check();
      expect(h.overall).toBe('red');
      const seen = await page.next((v) => v.service.health?.checkedAt === h.checkedAt);
      expect(seen.service.health).toEqual({ overall: 'red', checkedAt: h.checkedAt });
      expect(first.service.health?.checkedAt).not.toBe(h.checkedAt);
      const listed = await onboarding.next((v) =>
        v.services.some((x) => x.id === service.id && x.health?.checkedAt === h.checkedAt),
      );
      expect(listed.services.find((x) => x.id === service.id)!.health?.overall).toBe('red');
    } finally {
      sbc.answer(200, 'OK');
      page.close();
      onboarding.close();
    }
  });

  it('the scheduled fan-out queues one check job per onboarded service at a random moment, at most one waiting each', async () => {
    const health = world.server.runtime.services.health;
    const sentAt = Date.now();
    expect(await health.fanOut()).toEqual({ services: 1, queued: 1 });
    // Again while the first waits: the queue (policy stately, key per service) takes no second one.
    expect(await health.fanOut()).toEqual({ services: 1, queued: 0 });
    const jobs = await queryRows<{ key: string; start: string }>(
      world.server.runtime.handle.db,
      sql`select singleton_key as key, start_after::text as start from pgboss.job where name = 'health.check' and singleton_key like 'scheduled:%'`,
    );
    expect(jobs.map((j) => j.key)).toEqual([`scheduled:${service.id}`]);
    const at = new Date(jobs[0]!.start).getTime();
    expect(at).toBeGreaterThanOrEqual(sentAt - 1000);
    expect(at).toBeLessThanOrEqual(Date.now() + 900_000);
  });

  async function repairAndWaitForGreen() {
    const started = expectStatus(await world.admin.post(`/api/v1/services/${service.id}/repair`), 202);
    await waitForWorkflow(
      world.admin,
      service.id,
      (w) => (w as { id?: string }).id === started.id && w.status === 'succeeded',
    );
    await eventually('the health check after the Repair run', async () => {
      const { health } = expectBody(
        await world.admin.get(`/api/v1/services/${service.id}/health`),
        200,
        ServiceHealthResponseSchema,
      );
      return (
        health?.overall === 'green' && new Date(health.checkedAt) > new Date(started.createdAt) && health
      );
    });
  }
});
