import { startAudioCodesEmulator, type AudioCodesEmulator } from '@trunkline/emulator-audiocodes';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SbcCustomer, SbcProvisioner, SbcRecord } from '../../src/sbc/provisioner.ts';
import { createSbcProvisioner, type SbcEntry } from '../../src/sbc/provisioners.ts';
import { SbcError } from '../../src/sbc/sbc-device.ts';
import { DEFAULT_TEMPLATES, type SbcTemplate } from '../../src/sbc/templates.ts';

/**
 * Contract test of the AudioCodes provisioner (the port the Configure SBC step uses) against
 * `emulators/audiocodes` over real HTTP. The emulator's control API reads the tables without the adapter.
 */

let sbc: AudioCodesEmulator;
let templates: SbcTemplate[] = [];
let reserved: Record<string, number[]> = {};
let provisioner: SbcProvisioner;
const entry = (): SbcEntry => ({
  id: '00000000-0000-4000-8000-0000000000a1',
  kind: 'audiocodes',
  managementUrl: sbc.url,
  username: 'trunkline',
  password: 's3cret',
  model: 'shared-trunk',
});

beforeAll(async () => {
  sbc = await startAudioCodesEmulator({
    users: [{ username: 'trunkline', password: 's3cret', privilege: 'admin' }],
  });
  provisioner = createSbcProvisioner(entry(), {
    templates: async () => templates,
    reservedIndexes: async () => reserved,
    audiocodes: { maxAttempts: 3, sleep: async () => undefined },
  });
});
afterAll(() => sbc.stop());
beforeEach(() => {
  sbc.control.reset();
  templates = [];
  reserved = {};
});

const customer = (shortName: string, ranges: SbcCustomer['ranges']): SbcCustomer => ({
  serviceId: `service-${shortName}`,
  shortName,
  fqdn: `${shortName}.sbc1.provider.test`,
  ranges,
  sessionLimit: 7,
  model: 'shared-trunk',
});
const writes = () => sbc.control.requests.filter((r) => r.method !== 'GET');
const dialPlan = () =>
  (sbc.control.tables().DialPlanRule ?? []).map((r) => `${r.index} ${r.values.Prefix} ${r.values.Tag}`);

describe('AudioCodes provisioner', () => {
  it('tests the connection with the device status', async () => {
    expect(await provisioner.test()).toEqual({
      ok: true,
      product: 'Mediant VE SBC',
      version: '7.40A.500.775',
      details: {
        saveNeeded: false,
        resetNeeded: false,
        highAvailability: 'Not Operational',
        operationalState: 'UNLOCKED',
      },
    });
  });

  it('previews, applies with a checkpoint before the first write, re-applies nothing, removes all', async () => {
    const before = sbc.control.tables();
    const woodgrove = customer('woodgrove', [
      { kind: 'range', prefix: '+4930123', from: '1000', to: '1999' },
      { kind: 'number', number: '+4930124' },
    ]);
    const preview = await provisioner.planApply(woodgrove, undefined);
    expect(preview.changes).toHaveLength(1);
    expect(preview.changes[0]).toMatchObject({ action: 'write', format: 'ini' });
    expect(preview.changes[0]!.text).toContain(
      'DialPlanRule 100 = "DP_Teams_Tenant", 100, "woodgrove", "+4930123[1000-1999]", "woodgrove.sbc1.provider.test";',
    );
    expect(preview.changes[0]!.objects).toEqual([
      'SBCAdmissionProfile 100',
      'SBCAdmissionRule 100',
      'DialPlanRule 100',
      'DialPlanRule 101',
    ]);
    expect(writes()).toEqual([]);

    const checkpoints: { record: SbcRecord; writesSoFar: number }[] = [];
    const record = await provisioner.apply(woodgrove, undefined, async (r) => {
      checkpoints.push({ record: r, writesSoFar: writes().length });
    });
    expect(checkpoints).toHaveLength(1);
    expect(checkpoints[0]!.writesSoFar).toBe(0);
    expect(checkpoints[0]!.record.state).toMatchObject({ indexes: record.state.indexes });
    expect(record).toMatchObject({ kind: 'audiocodes', sbcId: entry().id });
    expect(dialPlan()).toEqual([
      '100 +4930123[1000-1999] woodgrove.sbc1.provider.test',
      '101 +4930124 woodgrove.sbc1.provider.test',
    ]);
    expect(sbc.control.tables().SBCAdmissionRule![0]!.values.Limit).toBe('7');

    sbc.control.requests.length = 0;
    expect((await provisioner.planApply(woodgrove, record)).changes).toEqual([]);
    expect(await provisioner.apply(woodgrove, record)).toEqual(record);
    expect(writes()).toEqual([]);
    expect(await provisioner.inspect(woodgrove, record)).toEqual({ missing: [], differing: [] });

    const removal = await provisioner.planRemove(record);
    expect(removal.changes[0]).toMatchObject({ action: 'remove', format: 'cli' });
    expect(removal.changes[0]!.text).toContain('no sbc dial-plan-rule 101');
    await provisioner.remove(record);
    expect(sbc.control.tables()).toEqual(before);
    sbc.control.requests.length = 0;
    await provisioner.remove(record);
    expect(writes()).toEqual([]);
  });

  it('after a crash between the upload and the record, the re-run from the checkpoint writes nothing', async () => {
    const contoso = customer('contoso', [{ kind: 'prefix', prefix: '+4940' }]);
    let checkpointed: SbcRecord | undefined;
    await provisioner.apply(contoso, undefined, async (r) => {
      checkpointed = r;
    });
    sbc.control.requests.length = 0;
    // The worker died before it recorded the result: the next attempt starts from the checkpoint.
    await provisioner.apply(contoso, checkpointed);
    expect(writes()).toEqual([]);
    expect(dialPlan()).toEqual(['100 +4940 contoso.sbc1.provider.test']);
  });

  it("keeps clear of the indexes recorded for the SBC's other customers", async () => {
    reserved = { DialPlanRule: [100, 101], SBCAdmissionProfile: [100], SBCAdmissionRule: [100] };
    const record = await provisioner.apply(
      customer('fabrikam', [{ kind: 'number', number: '+4950' }]),
      undefined,
    );
    expect(record.state.indexes).toEqual({
      SBCAdmissionProfile: [101],
      SBCAdmissionRule: [101],
      DialPlanRule: [102],
    });
  });

  it('removes the rows a re-run no longer needs (fewer number ranges), keeping the others in place', async () => {
    const three = customer('tailspin', [
      { kind: 'number', number: '+4960100' },
      { kind: 'number', number: '+4960200' },
      { kind: 'number', number: '+4960300' },
    ]);
    const first = await provisioner.apply(three, undefined);
    expect(dialPlan()).toHaveLength(3);
    const one = { ...three, ranges: [{ kind: 'number' as const, number: '+4960900' }] };
    const preview = await provisioner.planApply(one, first);
    expect(preview.changes.map((c) => `${c.action} ${c.objects.join(', ')}`)).toEqual([
      'write DialPlanRule 100',
      'remove DialPlanRule 101, DialPlanRule 102',
    ]);
    let checkpoint: SbcRecord | undefined;
    const second = await provisioner.apply(one, first, async (r) => {
      checkpoint = r;
    });
    expect(checkpoint?.state.stale).toBeTruthy();
    expect(second.state.stale).toBeNull();
    expect(dialPlan()).toEqual(['100 +4960900 tailspin.sbc1.provider.test']);
    await provisioner.remove(second);
    expect(sbc.control.tables().DialPlanRule).toEqual([]);
  });

  it('names the template line of a template error, and the fragment line of a device refusal', async () => {
    const [shared] = DEFAULT_TEMPLATES as [SbcTemplate];
    templates = [
      { ...shared, onboarding: shared.onboarding.replace('"CAC_{{shortName}}";', '"{{tenant}}";') },
    ];
    const error = await provisioner
      .apply(customer('x', [{ kind: 'number', number: '+491' }]), undefined)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SbcError);
    expect(error).toMatchObject({ kind: 'invalid', line: 4, transient: false });
    expect((error as Error).message).toMatch(/onboarding template, line 4: unknown variable \{\{tenant\}\}/);

    templates = [{ ...shared, onboarding: shared.onboarding.replace('"DP_Teams_Tenant"', '"DP_Missing"') }];
    const rejected = await provisioner
      .apply(customer('y', [{ kind: 'number', number: '+492' }]), undefined)
      .catch((e: unknown) => e);
    expect(rejected).toMatchObject({ kind: 'rejected', status: 400 });
    expect((rejected as Error).message).toMatch(/row DialPlanRule 100, line \d+ of the fragment/);
  });

  it('retries 409 during HA synchronisation', async () => {
    sbc.control.conflictNext(2);
    await provisioner.apply(customer('northwind', [{ kind: 'number', number: '+4970' }]), undefined);
    expect(writes().map((r) => r.status)).toEqual([409, 409, 200, 200]);
  });

  it("builds the provisioner of the entry's kind", () => {
    const deps = { templates: async () => [], reservedIndexes: async () => ({}) };
    expect(createSbcProvisioner(entry(), deps).kind).toBe('audiocodes');
    expect(createSbcProvisioner({ ...entry(), kind: 'kamailio' }, deps).kind).toBe('kamailio');
  });
});
