import { startAudioCodesEmulator, type AudioCodesEmulator } from '@trunkline/emulator-audiocodes';
import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { allocateIndexes } from '../../src/sbc/allocation.ts';
import { createAudioCodesDevice } from '../../src/sbc/audiocodes.ts';
import { SbcError, type SbcDevice } from '../../src/sbc/sbc-device.ts';
import { applyFragment, planApply, planRemove, removeFragment } from '../../src/sbc/sync.ts';
import {
  DEFAULT_TEMPLATES,
  indexNeeds,
  renderTemplate,
  TemplateError,
  type CustomerValues,
  type SbcTemplate,
} from '../../src/sbc/templates.ts';

/**
 * Contract test of the AudioCodes Mediant REST adapter against `emulators/audiocodes` over real HTTP: the
 * emulator's control API reads the tables back without the adapter, an independent check of every write, and its
 * request log shows what the adapter sent.
 */

const [SHARED, IPG] = DEFAULT_TEMPLATES as [SbcTemplate, SbcTemplate];
let sbc: AudioCodesEmulator;
let device: SbcDevice;
const waits: number[] = [];

beforeAll(async () => {
  sbc = await startAudioCodesEmulator({
    users: [
      { username: 'trunkline', password: 's3cret', privilege: 'admin' },
      { username: 'viewer', password: 'v', privilege: 'monitor' },
    ],
  });
  device = createAudioCodesDevice({
    url: sbc.url,
    username: 'trunkline',
    password: 's3cret',
    maxAttempts: 3,
    baseDelayMs: 200,
    sleep: async (ms) => {
      waits.push(ms);
    },
  });
});
afterAll(() => sbc.stop());
beforeEach(() => {
  sbc.control.reset();
  waits.length = 0;
});

const customer = (shortName: string, ranges: string[], sessionLimit = 10): CustomerValues => ({
  customerFqdn: `${shortName}.sbc1.provider.test`,
  shortName,
  sessionLimit,
  ranges,
});

/** What the workflow step will do: allocate against the device's rows (and the others' records), render. */
const prepare = async (
  template: SbcTemplate,
  values: CustomerValues,
  others: Record<string, number[]> = {},
) => {
  const tables = await device.readTables!();
  const used = Object.fromEntries(Object.entries(others).map(([t, list]) => [t, [...list]]));
  for (const [t, rows] of Object.entries(tables)) (used[t] ??= []).push(...rows.map((r) => r.index));
  const indexes = allocateIndexes({ need: indexNeeds(template, values.ranges.length), used });
  return { indexes, ...renderTemplate(template, values, indexes) };
};

const writes = () => sbc.control.requests.filter((r) => r.method !== 'GET');

describe('AudioCodes adapter against the emulator', () => {
  it('reads the status', async () => {
    expect(await device.status()).toEqual({
      product: 'Mediant VE SBC',
      versionId: '7.40A.500.775',
      saveNeeded: false,
      resetNeeded: false,
      highAvailability: 'Not Operational',
      operationalState: 'UNLOCKED',
    });
  });

  it('applies a customer, changes nothing on a second apply, and cleanup restores the tables', async () => {
    const before = sbc.control.tables();
    const woodgrove = customer('woodgrove', ['+4930123[1000-1999]', '+4930124']);
    const { onboarding, cleanup, indexes } = await prepare(SHARED, woodgrove);
    expect(indexes).toEqual({
      SBCAdmissionProfile: [100],
      SBCAdmissionRule: [100],
      DialPlanRule: [100, 101],
    });

    const written = await device.status().then(() => applyFragment(device, onboarding));
    expect(written).toHaveLength(4);
    expect(sbc.control.tables().DialPlanRule!.map((r) => [r.index, r.values.Prefix, r.values.Tag])).toEqual([
      [100, '+4930123[1000-1999]', 'woodgrove.sbc1.provider.test'],
      [101, '+4930124', 'woodgrove.sbc1.provider.test'],
    ]);
    expect(sbc.control.tables().SBCAdmissionRule![0]!.values.Limit).toBe('10');
    expect(writes().map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'PUT /api/v1/files/ini/incremental 200',
      'POST /api/v1/actions/saveConfiguration 200',
    ]);
    expect((await device.status()).saveNeeded).toBe(false);

    sbc.control.requests.length = 0;
    expect(await applyFragment(device, onboarding)).toEqual([]);
    expect(writes()).toEqual([]);

    const { removed, foreign } = await removeFragment(device, cleanup, onboarding);
    expect(removed).toHaveLength(4);
    expect(foreign).toEqual([]);
    expect(sbc.control.tables()).toEqual(before);
    expect(sbc.control.saveNeeded).toBe(false);
    // A second cleanup finds nothing to remove and sends nothing.
    sbc.control.requests.length = 0;
    expect(await removeFragment(device, cleanup, onboarding)).toEqual({ removed: [], foreign: [] });
    expect(writes()).toEqual([]);
  });

  it('writes only the rows that differ after one was changed or removed behind its back', async () => {
    const { onboarding } = await prepare(SHARED, customer('fabrikam', ['+4940100', '+4940200', '+4940300']));
    await applyFragment(device, onboarding);
    expect(sbc.control.forceDelete('DialPlanRule', 101)).toBe(true);
    expect(await applyFragment(device, onboarding)).toEqual([{ table: 'DialPlanRule', index: 101 }]);
    expect(sbc.control.tables().DialPlanRule).toHaveLength(3);
  });

  it('leaves a row that is no longer what onboarding wrote (someone else took the index)', async () => {
    const { onboarding, cleanup } = await prepare(SHARED, customer('contoso', ['+4950100']));
    await applyFragment(device, onboarding);
    sbc.control.forceDelete('DialPlanRule', 100);
    await applyFragment(
      device,
      '[ DialPlanRule ]\nFORMAT Index = DialPlanName, Prefix, Tag;\nDialPlanRule 100 = "DP_Teams_Tenant", "+4999", "manual.example";\n[ \\DialPlanRule ]\n',
    );
    const result = await removeFragment(device, cleanup, onboarding);
    expect(result.foreign).toEqual([{ table: 'DialPlanRule', index: 100 }]);
    expect(sbc.control.tables().DialPlanRule!.map((r) => r.values.Tag)).toEqual(['manual.example']);
    expect(sbc.control.tables().SBCAdmissionProfile).toEqual([]);
  });

  it('retries 409 (HA synchronisation) with backoff and succeeds', async () => {
    const { onboarding } = await prepare(SHARED, customer('northwind', ['+4960100']));
    sbc.control.conflictNext(2);
    await applyFragment(device, onboarding);
    expect(writes().map((r) => r.status)).toEqual([409, 409, 200, 200]);
    expect(waits).toEqual([200, 400]);
    expect(sbc.control.tables().DialPlanRule).toHaveLength(1);
  });

  it('gives up after the bounded attempts with a transient error while HA synchronisation goes on', async () => {
    const { onboarding } = await prepare(SHARED, customer('northwind', ['+4960100']));
    sbc.control.setHaSync(true);
    const error = await applyFragment(device, onboarding).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SbcError);
    expect(error).toMatchObject({ kind: 'busy', status: 409, transient: true });
    expect(writes()).toHaveLength(3);
    expect(sbc.control.tables().DialPlanRule).toEqual([]);
  });

  it('shows a template error with its line: locally when the template is saved, from the device when it applies', async () => {
    const unknown = {
      ...SHARED,
      onboarding: SHARED.onboarding.replace('"CAC_{{shortName}}";', '"CAC_{{tenant}}";'),
    };
    const error = (() => {
      try {
        renderTemplate(unknown, customer('x', ['+491']), {});
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(TemplateError);
    expect((error as TemplateError).problems).toEqual([
      {
        part: 'onboarding',
        line: 4,
        message: expect.stringMatching(/^unknown variable \{\{tenant\}\}/) as string,
      },
    ]);

    // Valid for Trunkline, refused by the device: the dial plan does not exist there.
    const missingPlan = {
      ...SHARED,
      onboarding: SHARED.onboarding.replace('"DP_Teams_Tenant"', '"DP_Missing"'),
    };
    const { onboarding } = await prepare(missingPlan, customer('woodgrove', ['+4930123[1000-1999]']));
    const rejected = await applyFragment(device, onboarding).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(SbcError);
    const rowLine = onboarding.split('\n').findIndex((l) => l.startsWith('DialPlanRule 100')) + 1;
    expect(rejected).toMatchObject({ kind: 'rejected', status: 400, line: rowLine, transient: false });
    expect((rejected as SbcError).message).toMatch(/DP_Missing.*references a DialPlan that does not exist/);
    expect((rejected as SbcError).message).toContain(`row DialPlanRule 100, line ${rowLine} of the fragment`);
    expect(sbc.control.tables().SBCAdmissionProfile).toEqual([]);
  });

  it('previews the exact text it sends, and the script cleanup will run', async () => {
    const { onboarding, cleanup } = await prepare(SHARED, customer('tailspin', ['+4970100']));
    const plan = planApply(onboarding, await device.readTables!());
    expect(plan.text).toContain(
      'DialPlanRule 100 = "DP_Teams_Tenant", 100, "tailspin", "+4970100", "tailspin.sbc1.provider.test";',
    );
    expect(plan.rows.map((r) => `${r.table} ${r.index}`)).toEqual([
      'SBCAdmissionProfile 100',
      'SBCAdmissionRule 100',
      'DialPlanRule 100',
    ]);
    expect(planRemove(cleanup, onboarding, await device.readTables!()).script).toBeUndefined();
    expect(await applyFragment(device, onboarding)).toEqual(plan.rows);
    expect(planApply(onboarding, await device.readTables!()).text).toBeUndefined();
    expect(planRemove(cleanup, onboarding, await device.readTables!()).script).toBe(
      'configure voip\nno sbc dial-plan-rule 100\nno sbc cac-rule 100\nno sbc cac-profile 100\nexit\n',
    );
  });

  it('reports a read-only user as forbidden and an unreachable device as transient', async () => {
    const { onboarding } = await prepare(SHARED, customer('tailspin', ['+4970100']));
    const viewer = createAudioCodesDevice({ url: sbc.url, username: 'viewer', password: 'v' });
    expect((await viewer.status()).product).toBe('Mediant VE SBC');
    await expect(viewer.applyIncremental(onboarding)).rejects.toMatchObject({
      kind: 'forbidden',
      status: 403,
      transient: false,
    });
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const { port } = closed.address() as { port: number };
    await new Promise((r) => closed.close(r));
    const gone = createAudioCodesDevice({ url: `http://127.0.0.1:${port}`, username: 'x', password: 'y' });
    await expect(gone.status()).rejects.toMatchObject({ kind: 'unavailable', transient: true });
  });

  it('reports wrong credentials as unauthorized, not transient', async () => {
    const wrong = createAudioCodesDevice({ url: sbc.url, username: 'trunkline', password: 'nope' });
    await expect(wrong.status()).rejects.toMatchObject({
      kind: 'unauthorized',
      status: 401,
      transient: false,
    });
  });

  it('reports a CLI error in the output as rejected', async () => {
    await expect(device.runCliScript('configure voip\nno ip-group 1\nexit\n')).rejects.toMatchObject({
      kind: 'rejected',
      message: expect.stringMatching(/IPGroup row 1 is used by/) as string,
    });
  });

  it('allocates 50 customers of both models without collision, applies them all, and removes them all', async () => {
    const before = sbc.control.tables();
    const recorded: Record<string, number[]> = {};
    const applied: { onboarding: string; cleanup: string; values: CustomerValues }[] = [];
    for (let n = 0; n < 50; n++) {
      const template = n % 5 === 0 ? IPG : SHARED;
      const ranges = Array.from({ length: 1 + (n % 3) }, (_, k) => `+49${30 + n}${k}[000-999]`);
      const values = customer(`customer${n}`, ranges, 5 + n);
      const rendered = await prepare(template, values, recorded);
      for (const [t, list] of Object.entries(rendered.indexes)) (recorded[t] ??= []).push(...list);
      await applyFragment(device, rendered.onboarding);
      applied.push({ ...rendered, values });
    }
    for (const [table, list] of Object.entries(recorded)) expect(new Set(list).size, table).toBe(list.length);
    const tables = sbc.control.tables();
    expect(tables.DialPlanRule).toHaveLength(
      applied.filter((_, n) => n % 5 !== 0).reduce((sum, a) => sum + a.values.ranges.length, 0),
    );
    expect(tables.IPGroup).toHaveLength(before.IPGroup!.length + 10);
    for (const a of applied.filter((_, n) => n % 5 !== 0))
      for (const range of a.values.ranges)
        expect(tables.DialPlanRule!.find((r) => r.values.Prefix === range)?.values.Tag).toBe(
          a.values.customerFqdn,
        );

    for (const a of applied.reverse()) await removeFragment(device, a.cleanup, a.onboarding);
    expect(sbc.control.tables()).toEqual(before);
    expect(sbc.control.requests.some((r) => r.method === 'PUT' && r.path === '/api/v1/files/ini')).toBe(
      false,
    );
  });
});
