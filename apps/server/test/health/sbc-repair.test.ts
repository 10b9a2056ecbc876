import { startAudioCodesEmulator, type AudioCodesEmulator } from '@trunkline/emulator-audiocodes';
import { ServiceHealthResponseSchema, ServiceHealthSchema } from '@trunkline/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectBody, expectStatus } from '../support/client.ts';
import { eventually } from '../support/eventually.ts';
import { startRoutingWorld, waitForWorkflow, ZONE, type RoutingWorld } from '../support/routing.ts';
import { createTestCa, startSipResponder } from '../support/sbc-tls.ts';

/**
 * Drift on the SBC end to end over real HTTP: default routing and Configure SBC on the AudioCodes emulator, a
 * customer row deleted on the device behind Trunkline's back (the emulator's control API), the health check shows
 * it as drift, Repair re-runs routing + SBC, and the health is green again. The SIP/TLS responder on loopback
 * plays the SBC's SIP side (certificate and OPTIONS).
 */

const DAY = 24 * 3600_000;

describe('SBC drift and Repair', () => {
  let world: RoutingWorld;
  let device: AudioCodesEmulator;
  let ca: ReturnType<typeof createTestCa>;
  let sip: Awaited<ReturnType<typeof startSipResponder>>;
  let service: { id: string; trunkFqdn: string };
  let sbcId: string;
  const sbcEntry = (addresses: string[]) => ({
    name: 'Mediant Health',
    kind: 'audiocodes',
    managementUrl: device.url,
    username: 'trunkline',
    carrierFqdn: ZONE,
    addresses,
    model: 'shared-trunk',
    sessionsPerUser: 1,
    isDefault: true,
  });

  const health = async () =>
    expectBody(
      await world.admin.get(`/api/v1/services/${service.id}/health`),
      200,
      ServiceHealthResponseSchema,
    ).health;
  const rowsOf = (fqdn: string) =>
    (device.control.tables().DialPlanRule ?? []).filter((r) => r.values.Tag === fqdn);

  beforeAll(async () => {
    ca = createTestCa();
    sip = await startSipResponder(
      ca.issue({
        commonName: `*.${ZONE}`,
        dnsNames: [`*.${ZONE}`],
        from: new Date(Date.now() - DAY),
        to: new Date(Date.now() + 365 * DAY),
      }),
    );
    device = await startAudioCodesEmulator({
      users: [{ username: 'trunkline', password: 'sbc-s3cret', privilege: 'admin' }],
    });
    world = await startRoutingWorld({
      env: (dns) => ({
        HEALTH_DNS_RESOLVERS: dns.address,
        HEALTH_SIP_PORT: String(sip.port),
        HEALTH_TLS_CA_FILE: ca.caFile,
      }),
    });
    await world.saveSettings({ sbcAddresses: ['127.0.0.1'] });
    sbcId = expectStatus(
      await world.admin.post('/api/v1/sbcs', { ...sbcEntry(['127.0.0.1']), password: 'sbc-s3cret' }),
      201,
    ).id;
    const customerId = expectStatus(
      await world.admin.post('/api/v1/customers', { name: 'SBC health customer' }),
      201,
    ).id;
    service = await world.connectedService(customerId, 'sbchealth');
    expectStatus(
      await world.admin.put(`/api/v1/services/${service.id}/number-ranges`, {
        ranges: [{ range: '+4930123[1000-1999]' }, { range: '+4930124' }],
      }),
      200,
    );
    expectStatus(
      await world.admin.post(`/api/v1/services/${service.id}/routing`, { configureDns: true }),
      202,
    );
    const routed = await waitForWorkflow(
      world.admin,
      service.id,
      (w) => w.status !== 'running' && w.status !== 'waiting',
    );
    expect(routed.status, JSON.stringify(routed.steps)).toBe('succeeded');
    expectStatus(await world.admin.post(`/api/v1/services/${service.id}/sbc`, { confirm: true }), 202);
    const configured = await waitForWorkflow(
      world.admin,
      service.id,
      (w) =>
        w.steps.some((s) => s.name === 'configure-sbc') &&
        (w.status === 'succeeded' || w.status === 'failed'),
    );
    expect(configured.status, JSON.stringify(configured.steps)).toBe('succeeded');
  });
  afterAll(async () => {
    await world?.close();
    await device?.stop();
    await sip?.close();
    ca?.remove();
  });

  it('is green with the rows on the SBC, after the SBC run by itself', async () => {
    expect(rowsOf(service.trunkFqdn)).toHaveLength(2);
    const h = await eventually('the health check after the SBC run', async () => {
      const found = await health();
      return found?.checks.find((c) => c.name === 'sbc')?.light === 'green' && found;
    });
    expect(Object.fromEntries(h.checks.map((c) => [c.name, c.light]))).toEqual({
      dns: 'green',
      certificate: 'green',
      sbc: 'green',
      tenant: 'green',
      'sip-options': 'green',
    });
  });

  it('a row deleted on the device is drift; Repair writes it again and the health is green', async () => {
    const row = rowsOf(service.trunkFqdn).find((r) => r.values.Prefix === '+4930124')!;
    device.control.forceDelete('DialPlanRule', row.index);

    const h = expectBody(
      await world.admin.post(`/api/v1/services/${service.id}/health/check`),
      200,
      ServiceHealthSchema,
    );
    const sbc = h.checks.find((c) => c.name === 'sbc')!;
    expect(sbc.light).toBe('red');
    expect(sbc.drift).toEqual([
      { object: `DialPlanRule ${row.index}`, expected: 'present', actual: 'missing' },
    ]);
    expect(h.overall).toBe('red');
    expect(h.drift).toBe(true);

    const repair = expectStatus(await world.admin.post(`/api/v1/services/${service.id}/repair`), 202);
    expect(repair.steps.map((s: { name: string }) => s.name)).toContain('configure-sbc');
    await waitForWorkflow(
      world.admin,
      service.id,
      (w) => (w as { id?: string }).id === repair.id && w.status === 'succeeded',
    );
    expect(
      rowsOf(service.trunkFqdn)
        .map((r) => r.values.Prefix)
        .sort(),
    ).toEqual(['+4930123[1000-1999]', '+4930124']);
    await eventually('the health check after the Repair run', async () => {
      const after = await health();
      return after?.overall === 'green' && new Date(after.checkedAt) > new Date(repair.createdAt) && after;
    });
  });

  it('an SBC whose addresses changed is DNS drift; Repair writes the new records', async () => {
    expectStatus(await world.admin.patch(`/api/v1/sbcs/${sbcId}`, sbcEntry(['127.0.0.2'])), 200);
    const h = expectBody(
      await world.admin.post(`/api/v1/services/${service.id}/health/check`),
      200,
      ServiceHealthSchema,
    );
    const dns = h.checks.find((c) => c.name === 'dns')!;
    expect(dns.light).toBe('red');
    expect(dns.drift).toContainEqual({
      object: `A ${service.trunkFqdn}`,
      expected: '127.0.0.2',
      actual: '127.0.0.1',
    });
    await repairAndWait();
    expect(
      world.dns
        .records(ZONE)
        .filter((r) => r.name === service.trunkFqdn && r.type === 'A')
        .map((r) => r.value),
    ).toEqual(['127.0.0.2']);
    const after = await health();
    expect(after?.checks.find((c) => c.name === 'dns')?.light).toBe('green');

    // Back to the address where the SIP side listens: everything green again.
    expectStatus(await world.admin.patch(`/api/v1/sbcs/${sbcId}`, sbcEntry(['127.0.0.1'])), 200);
    await repairAndWait();
    await eventually('all green again', async () => (await health())?.overall === 'green');
  });

  async function repairAndWait() {
    const repair = expectStatus(await world.admin.post(`/api/v1/services/${service.id}/repair`), 202);
    await waitForWorkflow(
      world.admin,
      service.id,
      (w) => (w as { id?: string }).id === repair.id && w.status === 'succeeded',
    );
    await eventually('the health check after the Repair run', async () => {
      const found = await health();
      return found && new Date(found.checkedAt) > new Date(repair.createdAt) && found;
    });
  }
});
