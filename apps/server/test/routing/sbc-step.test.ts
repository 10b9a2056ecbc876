import { startAudioCodesEmulator, type AudioCodesEmulator } from '@trunkline/emulator-audiocodes';
import {
  LifecycleFacetsSchema,
  SbcPlanPreviewSchema,
  WorkflowSchema,
  type Workflow,
} from '@trunkline/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectBody, expectProblem, expectStatus } from '../support/client.ts';
import { eventually } from '../support/eventually.ts';
import { ZONE, startRoutingWorld, waitForWorkflow, type RoutingWorld } from '../support/routing.ts';

/**
 * The Configure SBC step end to end over real HTTP: the server on its database, Microsoft 365 and the provider's
 * DNS emulated, and the AudioCodes Mediant emulator as the provider's SBC (its control API reads the tables back
 * without Trunkline's adapter).
 */

const SBC_ADDRESSES = ['203.0.113.7', '2001:db8::7'];

describe('Configure SBC (AudioCodes)', { timeout: 90_000 }, () => {
  let world: RoutingWorld;
  let sbc: AudioCodesEmulator;
  let customerId: string;
  let sbcId: string;

  beforeAll(async () => {
    sbc = await startAudioCodesEmulator({
      users: [{ username: 'trunkline', password: 'sbc-s3cret', privilege: 'admin' }],
    });
    world = await startRoutingWorld();
    await world.saveSettings();
    sbcId = expectStatus(
      await world.admin.post('/api/v1/sbcs', {
        name: 'Mediant Berlin',
        kind: 'audiocodes',
        managementUrl: sbc.url,
        username: 'trunkline',
        password: 'sbc-s3cret',
        carrierFqdn: ZONE,
        addresses: SBC_ADDRESSES,
        model: 'shared-trunk',
        sessionsPerUser: 1.5,
        isDefault: true,
      }),
      201,
    ).id;
    customerId = expectStatus(await world.admin.post('/api/v1/customers', { name: 'SBC customer' }), 201).id;
  });
  afterAll(async () => {
    await world?.close();
    await sbc?.stop();
  });

  const tables = () => sbc.control.tables();
  const rowsOf = (fqdn: string) =>
    (tables().DialPlanRule ?? []).filter((r) => r.values.Tag === fqdn).map((r) => r.values.Prefix);
  const setRanges = async (serviceId: string, ranges: string[]) =>
    expectStatus(
      await world.admin.put(`/api/v1/services/${serviceId}/number-ranges`, {
        ranges: ranges.map((range) => ({ range })),
      }),
      200,
    );
  const routed = async (shortName: string) => {
    const svc = await world.connectedService(customerId, shortName);
    expectStatus(await world.admin.post(`/api/v1/services/${svc.id}/routing`, { configureDns: true }), 202);
    const run = await waitForWorkflow(
      world.admin,
      svc.id,
      (w) => w.status === 'succeeded' || w.status === 'failed',
    );
    expect(run.status, JSON.stringify(run.steps)).toBe('succeeded');
    return svc;
  };
  const finished = async (serviceId: string) =>
    WorkflowSchema.parse(
      await waitForWorkflow(world.admin, serviceId, (w) => w.status === 'succeeded' || w.status === 'failed'),
    ) as Workflow;
  const facets = async (serviceId: string) =>
    LifecycleFacetsSchema.parse(
      expectStatus(await world.admin.get(`/api/v1/services/${serviceId}`), 200).lifecycle.facets,
    );

  it("points the service's A/AAAA records at its SBC's addresses", async () => {
    const svc = await routed('sbc-dns');
    const records = world.dns
      .records(ZONE)
      .filter((r) => r.name === svc.trunkFqdn && (r.type === 'A' || r.type === 'AAAA'))
      .map((r) => r.value)
      .sort();
    expect(records).toEqual([...SBC_ADDRESSES].sort());
  });

  it('previews the rows, configures them, changes nothing the second time, and offboarding removes exactly them', async () => {
    const before = tables();
    const svc = await routed('sbc-one');
    expect((await facets(svc.id)).sbc).toBe('not-started');
    const service = expectStatus(await world.admin.get(`/api/v1/services/${svc.id}`), 200);
    expect(service.lifecycle.nextAction.id).toBe('configure-sbc');
    await setRanges(svc.id, ['+4930123[1000-1999]', '+4930555']);

    const preview = expectBody(
      await world.admin.post(`/api/v1/services/${svc.id}/sbc/preview`, {}),
      200,
      SbcPlanPreviewSchema,
    );
    expect(preview.sbc).toMatchObject({ id: sbcId, name: 'Mediant Berlin', kind: 'audiocodes' });
    expect(preview.blocking).toEqual([]);
    // 5 licensed users × 1.5 sessions each.
    expect(preview.sessionLimit).toBe(8);
    expect(preview.changes).toHaveLength(1);
    const [write] = preview.changes;
    expect(write).toMatchObject({ action: 'write', format: 'ini' });
    expect(write!.text).toContain(
      `"DP_Teams_Tenant", 100, "sbc-one", "+4930123[1000-1999]", "${svc.trunkFqdn}";`,
    );
    expect(write!.objects).toEqual([
      'SBCAdmissionProfile 100',
      'SBCAdmissionRule 100',
      'DialPlanRule 100',
      'DialPlanRule 101',
    ]);
    // The preview changed nothing.
    expect(tables()).toEqual(before);
    expect(sbc.control.requests.filter((r) => r.method !== 'GET')).toEqual([]);

    expectProblem(await world.admin.post(`/api/v1/services/${svc.id}/sbc`, {}), 422, 'validation_failed');
    const started = expectBody(
      await world.admin.post(`/api/v1/services/${svc.id}/sbc`, { confirm: true }),
      202,
      WorkflowSchema,
    );
    expect(started).toMatchObject({ kind: 'onboard', scope: 'sbc' });
    expect(started.steps.map((s) => s.name)).toEqual(['configure-sbc']);
    const run = await finished(svc.id);
    expect(run.status, JSON.stringify(run.steps)).toBe('succeeded');
    expect(rowsOf(svc.trunkFqdn)).toEqual(['+4930123[1000-1999]', '+4930555']);
    expect(
      tables().SBCAdmissionRule?.find((r) => r.values.AdmissionProfile === 'CAC_sbc-one')?.values.Limit,
    ).toBe('8');
    expect(await facets(svc.id)).toMatchObject({ sbc: 'configured', routing: { status: 'done' } });
    const after = expectStatus(await world.admin.get(`/api/v1/services/${svc.id}`), 200);
    expect(after.lifecycle.state).toBe('active');
    expect(after.lifecycle.nextAction.id).toBe('none');

    // A second run reads the device, finds every row and writes nothing.
    const again = expectBody(
      await world.admin.post(`/api/v1/services/${svc.id}/sbc/preview`, {}),
      200,
      SbcPlanPreviewSchema,
    );
    expect(again.changes).toEqual([]);
    sbc.control.requests.length = 0;
    expectStatus(await world.admin.post(`/api/v1/services/${svc.id}/sbc`, { confirm: true }), 202);
    const second = await finished(svc.id);
    expect(second.status).toBe('succeeded');
    expect(second.steps[0]!.message).toMatch(/already holds/);
    expect(sbc.control.requests.filter((r) => r.method !== 'GET')).toEqual([]);

    // The audit names both runs.
    const audit = expectStatus(await world.admin.get(`/api/v1/audit?targetId=${svc.id}&pageSize=100`), 200);
    expect(audit.items.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['sbc.configure', 'sbc.complete']),
    );

    // Remove service: the SBC step first, from its record alone; the tables are as before.
    expectStatus(
      await world.admin.post(`/api/v1/services/${svc.id}/offboarding`, { confirmShortName: 'sbc-one' }),
      202,
    );
    const removal = await finished(svc.id);
    expect(removal.status, JSON.stringify(removal.steps)).toBe('succeeded');
    expect(removal.steps[0]).toMatchObject({ name: 'configure-sbc', status: 'succeeded' });
    expect(removal.steps[0]!.message).toMatch(/^Removed .*SBCAdmissionProfile 100 from the SBC\.$/);
    expect(tables()).toEqual(before);
    expect(await facets(svc.id)).toMatchObject({ sbc: 'not-started' });
  });

  it('gives two customers different rows, and a change of the number ranges re-runs the SBC step', async () => {
    const a = await routed('sbc-a');
    const b = await routed('sbc-b');
    await setRanges(a.id, ['+4940100']);
    await setRanges(b.id, ['+4940200']);
    // Both runs start before either writes: their indexes are claimed in the database, never the same.
    expectStatus(await world.admin.post(`/api/v1/services/${a.id}/sbc`, { confirm: true }), 202);
    expectStatus(await world.admin.post(`/api/v1/services/${b.id}/sbc`, { confirm: true }), 202);
    expect((await finished(a.id)).status).toBe('succeeded');
    expect((await finished(b.id)).status).toBe('succeeded');
    const dial = tables().DialPlanRule ?? [];
    const indexes = dial
      .filter((r) => r.values.Name === 'sbc-a' || r.values.Name === 'sbc-b')
      .map((r) => r.index);
    expect(new Set(indexes).size).toBe(2);

    // The number ranges change: the SBC step runs again by itself, the old row goes, the new ones come.
    await setRanges(a.id, ['+4940101', '+4940102']);
    await eventually('the SBC step to re-run after the ranges changed', async () => {
      expect(rowsOf(a.trunkFqdn)).toEqual(['+4940101', '+4940102']);
      return true;
    });
    expect(rowsOf(b.trunkFqdn)).toEqual(['+4940200']);
  });

  it('runs routing and the SBC as one run ("routing + SBC")', async () => {
    const svc = await world.connectedService(customerId, 'sbc-both');
    await setRanges(svc.id, ['+4970100']);
    const started = expectBody(
      await world.admin.post(`/api/v1/services/${svc.id}/routing`, {
        configureDns: true,
        configureSbc: true,
      }),
      202,
      WorkflowSchema,
    );
    expect(started.scope).toBe('routing+sbc');
    expect(started.steps.map((s) => s.name)).toEqual([
      'dns',
      'domain',
      'activation',
      'voice-routing',
      'configure-sbc',
    ]);
    const run = await finished(svc.id);
    expect(run.status, JSON.stringify(run.steps)).toBe('succeeded');
    expect(rowsOf(svc.trunkFqdn)).toEqual(['+4970100']);
    expect(await facets(svc.id)).toMatchObject({ sbc: 'configured', routing: { status: 'done' } });
  });

  it('retries while HA synchronisation answers 409, visible in the step history', async () => {
    const svc = await routed('sbc-ha');
    await setRanges(svc.id, ['+4950100']);
    sbc.control.conflictNext(5);
    expectStatus(await world.admin.post(`/api/v1/services/${svc.id}/sbc`, { confirm: true }), 202);
    await eventually('the step to record the 409 and try again', async () => {
      const run = WorkflowSchema.parse(
        expectStatus(await world.admin.get(`/api/v1/services/${svc.id}/routing`), 200),
      );
      const step = run.steps[0]!;
      expect(step.attempts).toBeGreaterThanOrEqual(1);
      return run.status === 'succeeded' || /409/.test(step.lastError ?? '');
    });
    const run = await finished(svc.id);
    expect(run.status).toBe('succeeded');
    expect(sbc.control.requests.filter((r) => r.status === 409).length).toBe(5);
    expect(rowsOf(svc.trunkFqdn)).toEqual(['+4950100']);
  });

  it('refuses without number ranges, and shows a template error with its line', async () => {
    const svc = await routed('sbc-bad');
    const empty = expectBody(
      await world.admin.post(`/api/v1/services/${svc.id}/sbc/preview`, {}),
      200,
      SbcPlanPreviewSchema,
    );
    expect(empty.blocking.map((b) => b.row)).toEqual(['number-ranges']);
    const refused = expectProblem(
      await world.admin.post(`/api/v1/services/${svc.id}/sbc`, { confirm: true }),
      409,
      'conflict',
    );
    expect(refused.errors?.[0]?.path).toBe('blocking.number-ranges');

    await setRanges(svc.id, ['+4960100']);
    const templates = expectStatus(await world.admin.get('/api/v1/sbc-templates'), 200);
    const shared = templates.items.find((t: { model: string }) => t.model === 'shared-trunk');
    const saved = await world.admin.patch(`/api/v1/sbc-templates/${shared.id}`, {
      name: shared.name,
      model: shared.model,
      firmwareFamily: null,
      // Valid for Trunkline, refused by the device: the dial plan does not exist on the SBC.
      onboarding: shared.onboarding.replace('"DP_Teams_Tenant"', '"DP_Missing"'),
      cleanup: shared.cleanup,
    });
    expect(saved.status, saved.text).toBe(200);
    try {
      // The preview cannot know the device will refuse it; the run fails with the device's line.
      expectStatus(await world.admin.post(`/api/v1/services/${svc.id}/sbc`, { confirm: true }), 202);
      const run = await finished(svc.id);
      expect(run.status).toBe('failed');
      expect(run.steps[0]!.lastError).toMatch(/DP_Missing/);
      expect(run.steps[0]!.lastError).toMatch(/row DialPlanRule \d+, line \d+ of the fragment/);
      expect(await facets(svc.id)).toMatchObject({ sbc: 'failed' });
    } finally {
      await world.admin.patch(`/api/v1/sbc-templates/${shared.id}`, {
        name: shared.name,
        model: shared.model,
        firmwareFamily: null,
        onboarding: shared.onboarding,
        cleanup: shared.cleanup,
      });
    }
    // Retry after the fix resumes the failed step.
    expectStatus(await world.admin.post(`/api/v1/services/${svc.id}/routing/retry`, {}), 200);
    expect((await finished(svc.id)).status).toBe('succeeded');
    expect(rowsOf(svc.trunkFqdn)).toEqual(['+4960100']);
  });
});
