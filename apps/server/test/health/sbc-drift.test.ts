import { startAudioCodesEmulator, type AudioCodesEmulator } from '@trunkline/emulator-audiocodes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sbcCheck } from '../../src/health/checks.ts';
import type { SbcCustomer, SbcProvisioner } from '../../src/sbc/provisioner.ts';
import { createSbcProvisioner } from '../../src/sbc/provisioners.ts';

/**
 * The SBC rows check against a real provisioner and the AudioCodes emulator over HTTP: a row removed behind
 * Trunkline's back (the emulator's control API) is drift naming the row; applying the record again (what Repair's
 * run does in its Configure SBC step) makes it green.
 */

let sbc: AudioCodesEmulator;
let provisioner: SbcProvisioner;

beforeAll(async () => {
  sbc = await startAudioCodesEmulator({
    users: [{ username: 'trunkline', password: 'sbc-secret', privilege: 'admin' }],
  });
  provisioner = createSbcProvisioner(
    {
      id: '00000000-0000-4000-8000-0000000000b1',
      kind: 'audiocodes',
      managementUrl: sbc.url,
      username: 'trunkline',
      password: 'sbc-secret',
      model: 'shared-trunk',
    },
    {
      templates: async () => [],
      reservedIndexes: async () => ({}),
      audiocodes: { maxAttempts: 3, sleep: async () => undefined },
    },
  );
});
afterAll(() => sbc?.stop());

const customer: SbcCustomer = {
  serviceId: '00000000-0000-4000-8000-0000000000c1',
  shortName: 'woodgrove',
  fqdn: 'woodgrove.sbc1.provider.test',
  ranges: [
    { kind: 'range', prefix: '+4930123', from: '1000', to: '1999' },
    { kind: 'number', number: '+4930124' },
  ],
  sessionLimit: 5,
  model: 'shared-trunk',
};
const entry = { name: 'Test Mediant' };

describe('the SBC rows check', () => {
  it('is grey without an SBC, green with the rows, red with drift when one is removed, green after the re-apply', async () => {
    expect(sbcCheck(null, null).light).toBe('grey');

    const record = await provisioner.apply(customer, undefined);
    const green = sbcCheck(entry, await provisioner.inspect(customer, record));
    expect(green.light).toBe('green');
    expect(green.drift).toEqual([]);

    // Someone deletes a dial-plan row on the device, not through Trunkline.
    const row = sbc.control.tables().DialPlanRule!.find((r) => r.values.Prefix === '+4930124')!;
    sbc.control.forceDelete('DialPlanRule', row.index);
    const drift = sbcCheck(entry, await provisioner.inspect(customer, record));
    expect(drift.light).toBe('red');
    expect(drift.drift).toEqual([
      { object: `DialPlanRule ${row.index}`, expected: 'present', actual: 'missing' },
    ]);
    expect(drift.reason).toContain(`missing DialPlanRule ${row.index}`);

    // Repair re-runs the idempotent step: the provisioner writes only the difference.
    const again = await provisioner.apply(customer, record);
    expect(sbc.control.tables().DialPlanRule!.some((r) => r.values.Prefix === '+4930124')).toBe(true);
    expect(sbcCheck(entry, await provisioner.inspect(customer, again)).light).toBe('green');
  });

  it('is amber when the SBC cannot be read, never red', () => {
    const c = sbcCheck(entry, new Error('connect ECONNREFUSED'));
    expect(c.light).toBe('amber');
    expect(c.reason).toContain('ECONNREFUSED');
  });
});
