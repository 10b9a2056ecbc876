import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus } from '../support/client.ts';
import { ZONE, startRoutingWorld, waitForWorkflow, type RoutingWorld, type Run } from '../support/routing.ts';

const OTHER_ZONE = 'sbc2.trunkline.example';
const finished = (w: { status: string }) => w.status === 'succeeded' || w.status === 'failed';

/** The trunk name is the service's: fixed in its zone at creation, and fixed for good once routing touched it. */
describe('the trunk name of a service', () => {
  let world: RoutingWorld;
  let customerId: string;

  beforeAll(async () => {
    world = await startRoutingWorld();
    customerId = expectStatus(
      await world.admin.post('/api/v1/customers', { name: 'Trunk name customer' }),
      201,
    ).id;
  });
  afterAll(async () => {
    // Leave the shared base domain as the other tests expect it.
    await world?.saveSettings();
    await world?.close();
  });

  it('keeps its zone when the SBC base domain changes: the next run and offboarding work in that zone', async () => {
    await world.saveSettings();
    const svc = await world.connectedService(customerId, 'keep-zone');
    expect(svc.trunkFqdn).toBe(`keep-zone.${ZONE}`);
    expectStatus(await world.admin.post(`/api/v1/services/${svc.id}/routing`, { configureDns: true }), 202);
    const first = (await waitForWorkflow(world.admin, svc.id, finished)) as Run;
    expect(first.status, JSON.stringify(first.steps)).toBe('succeeded');

    // The provider moves new services to another zone.
    await world.saveSettings({ sbcBaseDomain: OTHER_ZONE });
    // The existing service runs again in its own zone, and changes nothing there.
    const serial = world.dns.serial(ZONE);
    expectStatus(await world.admin.post(`/api/v1/services/${svc.id}/routing`, { configureDns: true }), 202);
    const again = (await waitForWorkflow(
      world.admin,
      svc.id,
      (w) => (w as Run).id !== first.id && finished(w),
    )) as Run;
    expect(again.status, JSON.stringify(again.steps)).toBe('succeeded');
    expect(world.dns.serial(ZONE)).toBe(serial);
    const kept = expectStatus(await world.admin.get(`/api/v1/services/${svc.id}`), 200);
    expect(kept).toMatchObject({ trunkFqdn: `keep-zone.${ZONE}`, zone: ZONE, subdomain: 'keep-zone' });
    const fresh = await world.connectedService(customerId, 'new-zone');
    expect(fresh.trunkFqdn).toBe(`new-zone.${OTHER_ZONE}`);

    // Offboarding removes the records from the service's zone.
    expectStatus(
      await world.admin.post(`/api/v1/services/${svc.id}/offboarding`, { confirmShortName: 'keep-zone' }),
      202,
    );
    const off = (await waitForWorkflow(
      world.admin,
      svc.id,
      (w) => (w as Run).kind === 'offboard' && finished(w),
    )) as Run;
    expect(off.status, JSON.stringify(off.steps)).toBe('succeeded');
    expect(world.dns.records(ZONE).filter((r) => r.name === svc.trunkFqdn)).toEqual([]);
  });

  it('a service not yet routed keeps its zone when its subdomain is edited after the base domain changed', async () => {
    await world.saveSettings();
    const svc = await world.connectedService(customerId, 'edit-zone');
    await world.saveSettings({ sbcBaseDomain: OTHER_ZONE });
    const edited = expectStatus(
      await world.admin.patch(`/api/v1/services/${svc.id}`, { subdomain: 'edited-zone' }),
      200,
    );
    expect(edited).toMatchObject({
      subdomain: 'edited-zone',
      trunkFqdn: `edited-zone.${ZONE}`,
      zone: ZONE,
      subdomainOverridden: true,
      trunkNameFixed: false,
    });
    // The live check speaks of the FQDN the service would get, in its own zone.
    const check = expectStatus(
      await world.admin.get(`/api/v1/services/availability?subdomain=other-label&exceptServiceId=${svc.id}`),
      200,
    );
    expect(check.subdomain).toMatchObject({ fqdn: `other-label.${ZONE}`, available: true });
  });

  it('cannot change its subdomain once a routing run touched the tenant: 409 naming why, and the row keeps the name the tenant has', async () => {
    await world.saveSettings();
    world.emu.control.consent('northwind');
    // Northwind has no free licence: DNS and domain are done, then the activation step fails.
    const svc = await world.connectedService(customerId, 'fixed-name', 'northwind');
    expectStatus(await world.admin.post(`/api/v1/services/${svc.id}/routing`, { configureDns: true }), 202);
    const failed = (await waitForWorkflow(world.admin, svc.id, finished)) as Run;
    expect(failed.status).toBe('failed');
    expect(failed.steps.find((s) => s.name === 'domain')!.status).toBe('succeeded');
    const inTenant = () => world.emu.control.tenant('northwind').domains.map((d) => d.id);
    expect(inTenant()).toContain(svc.trunkFqdn);

    const res = await world.admin.patch(`/api/v1/services/${svc.id}`, { subdomain: 'another-name' });
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toMatchObject({ code: 'conflict', status: 409 });
    expect(res.body.detail).toMatch(/routing/i);
    expect(res.body.errors).toEqual([
      expect.objectContaining({ path: 'subdomain', code: 'fixed', message: expect.stringMatching(/DNS/) }),
    ]);

    expect(expectStatus(await world.admin.get(`/api/v1/services/${svc.id}`), 200)).toMatchObject({
      status: 'failed',
      trunkFqdn: svc.trunkFqdn,
      trunkNameFixed: true,
    });

    // Whatever else may still change (the service's lifecycle decides), never the trunk name.
    const renamed = await world.admin.patch(`/api/v1/services/${svc.id}`, { shortName: 'fixed-renamed' });
    expect([200, 409]).toContain(renamed.status);
    const after = expectStatus(await world.admin.get(`/api/v1/services/${svc.id}`), 200);
    expect(after.trunkFqdn).toBe(svc.trunkFqdn);
    expect(inTenant()).toContain(after.trunkFqdn);
  });
});
