import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus } from '../support/client.ts';
import {
  SBC_ADDRESSES,
  ZONE,
  startRoutingWorld,
  tenantState,
  waitForWorkflow,
  type RoutingWorld,
  type Run,
} from '../support/routing.ts';

type World = RoutingWorld;

describe('default routing on the derived trunk, and offboarding', () => {
  let world: World;
  let customerId: string;

  beforeAll(async () => {
    world = await startRoutingWorld();
    customerId = expectStatus(
      await world.admin.post('/api/v1/customers', { name: 'Routing customer' }),
      201,
    ).id;
  });
  afterAll(() => world?.close());

  it('refuses to start before the provider saved the routing settings', async () => {
    const svc = await world.connectedService(customerId, 'route-unset');
    const res = await world.admin.post(`/api/v1/services/${svc.id}/routing`, { configureDns: true });
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/Settings → Default routing/);
  });

  it('previews, configures DNS, domain, activation user and Teams objects; a second run changes nothing; offboarding restores the tenant', async () => {
    await world.saveSettings();
    const before = tenantState(world);
    const svc = await world.connectedService(customerId, 'route-1');
    const fqdn = svc.trunkFqdn;
    expect(fqdn).toBe(`route-1.${ZONE}`);

    // The plan preview, computed from the actual state: everything is new.
    const plan = expectStatus(
      await world.admin.get(`/api/v1/services/${svc.id}/routing/plan?configureDns=true`),
      200,
    );
    expect(plan.warnings).toEqual([]);
    const actions = Object.fromEntries(
      plan.changes.map((c: { area: string; object: string; action: string }) => [
        `${c.area}:${c.object}`,
        c.action,
      ]),
    );
    expect(actions).toMatchObject({
      'dns:A record': 'create',
      'dns:AAAA record': 'create',
      'tenant:domain': 'create',
      'dns:TXT record': 'create',
      'tenant:activation user': 'create',
    });
    expect(plan.changes.filter((c: { area: string }) => c.area === 'teams').length).toBeGreaterThanOrEqual(3);
    const script = await world.admin.get(`/api/v1/services/${svc.id}/routing/plan.ps1`);
    expect(script.status).toBe(200);
    expect(script.text).toContain('Connect-MicrosoftTeams');
    expect(script.text).toContain(fqdn);

    expect(
      (await world.admin.post(`/api/v1/services/${svc.id}/routing`, { configureDns: true })).status,
    ).toBe(202);
    const run = (await waitForWorkflow(
      world.admin,
      svc.id,
      (w) => w.status === 'succeeded' || w.status === 'failed',
    )) as Run;
    expect(run.status, JSON.stringify(run.steps)).toBe('succeeded');
    expect(run.steps.map((s) => s.name)).toEqual(['dns', 'domain', 'activation', 'voice-routing']);
    expect(expectStatus(await world.admin.get(`/api/v1/services/${svc.id}`), 200).status).toBe('active');

    // DNS: A and AAAA at the trunk name, and Microsoft's TXT record; cross-checked in the DNS server.
    const records = world.dns.records(ZONE).filter((r) => r.name === fqdn);
    expect(records.filter((r) => r.type === 'A').map((r) => r.value)).toEqual([SBC_ADDRESSES[0]]);
    expect(records.filter((r) => r.type === 'AAAA').map((r) => r.value)).toEqual([SBC_ADDRESSES[1]]);
    expect(records.some((r) => r.type === 'TXT' && r.value.startsWith('MS=ms'))).toBe(true);
    // The tenant: verified domain, licensed activation user, and the Teams objects on the derived trunk.
    const tenant = world.emu.control.tenant('contoso');
    expect(tenant.domains.find((d) => d.id === fqdn)).toMatchObject({ isVerified: true });
    const user = tenant.users.find((u) => u.userPrincipalName === `trunkline-activation@${fqdn}`)!;
    expect(user.assignedLicenses.length).toBe(1);
    expect(tenant.teams.OnlinePstnUsages).toContain('Trunkline');
    const route = tenant.teams.OnlineVoiceRoute.find((r) => r.Identity === 'Trunkline')!;
    expect(route).toMatchObject({ NumberPattern: '.*', OnlinePstnUsages: ['Trunkline'] });
    expect(route.OnlinePstnGatewayList).toEqual([fqdn]);
    expect(
      tenant.teams.OnlineVoiceRoutingPolicy.find((p) => String(p.Identity).endsWith('Unrestricted')),
    ).toMatchObject({ OnlinePstnUsages: ['Trunkline'] });

    // Idempotency: running again reads the actual state and creates nothing.
    const middle = tenantState(world);
    const serial = world.dns.serial(ZONE);
    expectStatus(await world.admin.post(`/api/v1/services/${svc.id}/routing`, { configureDns: true }), 202);
    const again = (await waitForWorkflow(
      world.admin,
      svc.id,
      (w) => (w as Run).id !== run.id && (w.status === 'succeeded' || w.status === 'failed'),
    )) as Run;
    expect(again.status, JSON.stringify(again.steps)).toBe('succeeded');
    expect(tenantState(world)).toEqual(middle);
    expect(world.dns.serial(ZONE)).toBe(serial);

    // Offboarding: confirmed by the short name; afterwards the tenant and the zone are as before.
    const wrong = await world.admin.post(`/api/v1/services/${svc.id}/offboarding`, {
      confirmShortName: 'nope',
    });
    expect(wrong.status).toBe(422);
    // Exactly the short name: another case is not a confirmation either.
    const otherCase = await world.admin.post(`/api/v1/services/${svc.id}/offboarding`, {
      confirmShortName: 'ROUTE-1',
    });
    expect(otherCase.status).toBe(422);
    expect(otherCase.body.errors[0]).toMatchObject({ path: 'confirmShortName' });
    expectStatus(
      await world.admin.post(`/api/v1/services/${svc.id}/offboarding`, { confirmShortName: 'route-1' }),
      202,
    );
    const off = (await waitForWorkflow(
      world.admin,
      svc.id,
      (w) => (w as Run).kind === 'offboard' && (w.status === 'succeeded' || w.status === 'failed'),
    )) as Run;
    expect(off.status, JSON.stringify(off.steps)).toBe('succeeded');
    expect(expectStatus(await world.admin.get(`/api/v1/services/${svc.id}`), 200).status).toBe('removed');
    expect(tenantState(world)).toEqual(before);
    expect(world.dns.records(ZONE).filter((r) => r.name === fqdn)).toEqual([]);
  });

  it('fails with a clear message on a wrong TSIG key, changes nothing, and Retry resumes from that step once fixed', async () => {
    await world.saveSettings({
      dnsSecret: Buffer.from('wrong key wrong key wrong key!!!').toString('base64'),
    });
    const svc = await world.connectedService(customerId, 'route-2');
    expectStatus(await world.admin.post(`/api/v1/services/${svc.id}/routing`, { configureDns: true }), 202);
    const failed = (await waitForWorkflow(world.admin, svc.id, (w) => w.status === 'failed')) as Run;
    const dnsStep = failed.steps.find((s) => s.name === 'dns')!;
    expect(dnsStep.status).toBe('failed');
    expect(dnsStep.lastError).toMatch(/BADSIG|signature/);
    expect(failed.steps.filter((s) => s.status === 'pending').length).toBe(3);
    expect(world.dns.records(ZONE).filter((r) => r.name === svc.trunkFqdn)).toEqual([]);
    expect(expectStatus(await world.admin.get(`/api/v1/services/${svc.id}`), 200).status).toBe('failed');

    await world.saveSettings();
    expectStatus(await world.admin.post(`/api/v1/services/${svc.id}/routing/retry`), 200);
    const done = (await waitForWorkflow(world.admin, svc.id, (w) => w.status === 'succeeded')) as Run;
    expect(done.steps.find((s) => s.name === 'dns')!.attempts).toBe(2);
    expect(done.steps.find((s) => s.name === 'domain')!.attempts).toBe(1);
  });

  it('names the acceptable licences when the tenant has none free (northwind)', async () => {
    world.emu.control.consent('northwind');
    await world.saveSettings();
    const svc = await world.connectedService(customerId, 'route-3', 'northwind');
    expectStatus(await world.admin.post(`/api/v1/services/${svc.id}/routing`, { configureDns: true }), 202);
    const failed = (await waitForWorkflow(world.admin, svc.id, (w) => w.status === 'failed')) as Run;
    const step = failed.steps.find((s) => s.name === 'activation')!;
    expect(
      failed.steps.filter((s) => s.status === 'failed'),
      JSON.stringify(failed.steps),
    ).toHaveLength(1);
    expect(step.status).toBe('failed');
    expect(step.lastError).toMatch(/No free licence.*ENTERPRISEPACK 5\/5 used/);
  });
});

describe('Microsoft not yet accepting a newly activated domain (the 24-hour path, shortened)', () => {
  let world: World;
  // One customer: a Microsoft tenant belongs to one customer.
  let customerId: string;

  beforeAll(async () => {
    world = await startRoutingWorld();
    await world.saveSettings();
    customerId = expectStatus(
      await world.admin.post('/api/v1/customers', { name: 'Delay customer' }),
      201,
    ).id;
  });
  afterAll(() => world?.close());

  it('reschedules the voice-routing step with growing intervals until Microsoft accepts the trunk, without a worker waiting', async () => {
    world.emu.control.setSettings({ teamsActivationDelaySeconds: 4 });
    const svc = await world.connectedService(customerId, 'route-delay');
    expectStatus(await world.admin.post(`/api/v1/services/${svc.id}/routing`, { configureDns: true }), 202);
    const waiting = (await waitForWorkflow(world.admin, svc.id, (w) =>
      w.steps.some((s) => s.name === 'voice-routing' && s.status === 'waiting'),
    )) as Run;
    expect(waiting.status).toBe('waiting');
    const step = waiting.steps.find((s) => s.name === 'voice-routing')!;
    expect(step.message).toMatch(/does not accept .* as a gateway yet/);
    expect(step.nextAttemptAt).not.toBeNull();
    // No job is held while it waits: the next attempt is a delayed job.
    const done = (await waitForWorkflow(world.admin, svc.id, (w) => w.status === 'succeeded')) as Run;
    expect(done.steps.find((s) => s.name === 'voice-routing')!.attempts).toBeGreaterThanOrEqual(2);
    const route = world.emu.control
      .tenant('contoso')
      .teams.OnlineVoiceRoute.find((r) => r.Identity === 'Trunkline')!;
    expect(route.OnlinePstnGatewayList).toEqual([svc.trunkFqdn]);
  });

  it('fails the step with the reason once past the deadline', async () => {
    world.emu.control.setSettings({ teamsActivationDelaySeconds: 3600 });
    await world.saveSettings({ teamsActivationDeadlineHours: 1 });
    const svc = await world.connectedService(customerId, 'route-late');
    expectStatus(await world.admin.post(`/api/v1/services/${svc.id}/routing`, { configureDns: true }), 202);
    await waitForWorkflow(world.admin, svc.id, (w) =>
      w.steps.some((s) => s.name === 'voice-routing' && s.status === 'waiting'),
    );
    // An hour later (the wait started an hour ago, as far as the run knows) the next attempt gives up.
    const { sql } = await import('drizzle-orm');
    const { queryRows } = await import('../../src/platform/db/database.ts');
    await queryRows(
      world.server.runtime.handle.db,
      sql`update workflow_steps set waiting_since = now() - interval '61 minutes' where name = 'voice-routing' and status = 'waiting'`,
    );
    const failed = (await waitForWorkflow(world.admin, svc.id, (w) => w.status === 'failed')) as Run;
    expect(failed.steps.find((s) => s.name === 'voice-routing')!.lastError).toMatch(
      /Gave up after 60 minutes/,
    );
  });
});

describe('manual DNS: the step names the records, and goes on once they resolve', () => {
  let world: World;

  beforeAll(async () => {
    world = await startRoutingWorld();
  });
  afterAll(() => world?.close());

  it('waits with the exact records, then completes after someone created them at the DNS host', async () => {
    await world.saveSettings({ dns: { kind: 'manual', resolvers: [world.dns.address] } });
    const customerId = expectStatus(
      await world.admin.post('/api/v1/customers', { name: 'Manual customer' }),
      201,
    ).id;
    const svc = await world.connectedService(customerId, 'route-manual');
    const fqdn = svc.trunkFqdn;
    expectStatus(await world.admin.post(`/api/v1/services/${svc.id}/routing`, { configureDns: true }), 202);

    const dnsWait = (await waitForWorkflow(world.admin, svc.id, (w) =>
      w.steps.some((s) => s.name === 'dns' && s.status === 'waiting'),
    )) as Run;
    const message = dnsWait.steps.find((s) => s.name === 'dns')!.message!;
    expect(message).toContain(fqdn);
    expect(message).toContain(SBC_ADDRESSES[0]);
    // Nothing was written by Trunkline: the zone has no record of the trunk yet.
    expect(world.dns.records(ZONE).filter((r) => r.name === fqdn)).toEqual([]);

    // The operator creates the address records at their DNS host.
    world.dns.set(fqdn, 'A', [SBC_ADDRESSES[0]!], 300);
    world.dns.set(fqdn, 'AAAA', [SBC_ADDRESSES[1]!], 300);
    const txtWait = (await waitForWorkflow(world.admin, svc.id, (w) =>
      w.steps.some((s) => s.name === 'domain' && s.status === 'waiting'),
    )) as Run;
    const txt = /"(MS=ms\d+)"|(MS=ms\d+)/.exec(txtWait.steps.find((s) => s.name === 'domain')!.message!)!;
    world.dns.set(fqdn, 'TXT', [txt[1] ?? txt[2]!], 300);

    const done = (await waitForWorkflow(world.admin, svc.id, (w) => w.status === 'succeeded')) as Run;
    expect(done.steps.every((s) => s.status === 'succeeded')).toBe(true);
    expect(world.emu.control.tenant('contoso').domains.find((d) => d.id === fqdn)).toMatchObject({
      isVerified: true,
    });
  });
});

describe('live progress as server-sent events', () => {
  let world: World;

  beforeAll(async () => {
    world = await startRoutingWorld();
    await world.saveSettings();
  });
  afterAll(() => world?.close());

  /** Reads server-sent events from `path` until `until(data)` holds; answers the events seen. */
  async function readEvents(path: string, event: string, until: (data: unknown) => boolean) {
    const controller = new AbortController();
    const res = await fetch(`${world.server.url}${path}`, {
      headers: { cookie: world.admin.cookie! },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    const seen: unknown[] = [];
    let buffer = '';
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const chunk = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const name = /^event: (.*)$/m.exec(chunk)?.[1];
        const data = /^data: (.*)$/m.exec(chunk)?.[1];
        if (name === event && data) {
          seen.push(JSON.parse(data));
          if (until(seen.at(-1))) {
            controller.abort();
            return seen;
          }
        }
      }
    }
    controller.abort();
    throw new Error(`no matching event within 20 s: ${JSON.stringify(seen.at(-1))}`);
  }

  it('streams each change of the run on the service and on its customer', async () => {
    const customerId = expectStatus(
      await world.admin.post('/api/v1/customers', { name: 'Stream customer' }),
      201,
    ).id;
    const svc = await world.connectedService(customerId, 'route-sse');
    world.emu.control.setSettings({ teamsActivationDelaySeconds: 2 });
    expectStatus(await world.admin.post(`/api/v1/services/${svc.id}/routing`, { configureDns: true }), 202);
    const events = (await readEvents(
      `/api/v1/services/${svc.id}/routing/events`,
      'workflow',
      (w) => (w as Run).status === 'succeeded',
    )) as Run[];
    // More than one state went by (at least the wait for Microsoft, then success).
    expect(events.length).toBeGreaterThan(1);
    expect(events.some((w) => w.status === 'waiting')).toBe(true);
    const perCustomer = (await readEvents(
      `/api/v1/customers/${customerId}/routing/events`,
      'workflows',
      (ws) => (ws as Run[]).some((w) => w.status === 'succeeded'),
    )) as Run[][];
    expect(perCustomer.at(-1)!.map((w) => w.id)).toEqual([events.at(-1)!.id]);
    // Outside the scope: the usual 404 problem, not a stream.
    const other = await world.admin.get(
      `/api/v1/services/00000000-0000-4000-8000-000000000000/routing/events`,
    );
    expect(other.status).toBe(404);
  });
});
