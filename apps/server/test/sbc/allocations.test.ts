import { startAudioCodesEmulator, type AudioCodesEmulator } from '@trunkline/emulator-audiocodes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IndexTakenError } from '../../src/sbc/allocations.repository.ts';
import type { SbcCustomer, SbcRecord } from '../../src/sbc/provisioner.ts';
import { createSbcProvisioner, heldRows } from '../../src/sbc/provisioners.ts';
import { expectProblem, expectStatus, type Client } from '../support/client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * Index allocation across customers on one SBC, with the real pieces: the server's SBC adapters (inventory entry,
 * provisioner over the AudioCodes emulator, the indexes `sbc_allocations` records for the other customers) and the
 * claim the Configure SBC step's checkpoint makes in a transaction before the upload. 50 customers apply at once,
 * ten at a time, so their allocations race; none shares a row, and removing them all leaves the tables as before.
 */

const CUSTOMERS = 50;

describe('SBC row indexes across 50 customers', () => {
  let server: TestServer;
  let admin: Client;
  let sbc: AudioCodesEmulator;
  let sbcId: string;
  const services: { id: string; shortName: string; trunkFqdn: string }[] = [];

  beforeAll(async () => {
    sbc = await startAudioCodesEmulator({
      users: [{ username: 'trunkline', password: 'alloc-s3cret', privilege: 'admin' }],
    });
    server = await startTestServer();
    admin = await server.admin();
    sbcId = expectStatus(
      await admin.post('/api/v1/sbcs', {
        name: 'Allocation Mediant',
        kind: 'audiocodes',
        managementUrl: sbc.url,
        username: 'trunkline',
        password: 'alloc-s3cret',
        carrierFqdn: 'sbc.alloc.example',
        addresses: ['203.0.113.9'],
        isDefault: true,
      }),
      201,
    ).id;
    const customerId = expectStatus(
      await admin.post('/api/v1/customers', { name: 'Allocation customer' }),
      201,
    ).id;
    for (let n = 0; n < CUSTOMERS; n++)
      services.push(
        expectStatus(
          await admin.post('/api/v1/services', {
            customerId,
            type: 'direct-routing',
            fullName: `Allocation ${n}`,
            shortName: `alloc-${n}`,
            licenseType: 'hosted-essentials-plus',
            licensedUsers: 1,
            adminAuth: { method: 'invite', email: `it${n}@alloc.example` },
          }),
          201,
        ),
      );
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await sbc?.stop();
  });

  it('gives every customer its own rows even when their runs race, and removing them all restores the tables', async () => {
    const { routingAdapters, repos, uow } = server.runtime.services;
    const before = sbc.control.tables();
    const entry = (await routingAdapters.sbc.resolve(sbcId))!;
    const provisioner = routingAdapters.sbc.provisioner(entry);
    const customerOf = (n: number): SbcCustomer => ({
      serviceId: services[n]!.id,
      shortName: services[n]!.shortName,
      fqdn: services[n]!.trunkFqdn,
      ranges: Array.from({ length: 1 + (n % 3) }, (_, k) => ({
        kind: 'number' as const,
        number: `+49${300 + n}${k}0000`,
      })),
      sessionLimit: 1 + n,
      model: n % 5 === 0 ? 'ip-group-per-customer' : 'shared-trunk',
    });
    // The first attempts of a batch all read the others' recorded indexes before any of them claims: the race
    // two runs can have, made certain. A later attempt reads what the winners recorded.
    let waiting: (() => void)[] = [];
    const together = (size: number) =>
      new Promise<void>((resolve) => {
        waiting.push(resolve);
        if (waiting.length === size) {
          waiting.forEach((go) => go());
          waiting = [];
        }
      });
    const racing = createSbcProvisioner(entry, {
      templates: () => repos.sbcTemplates.list(),
      reservedIndexes: async (id, serviceId) => {
        const view = await repos.sbcAllocations.heldByOthers(id, serviceId);
        await together(10);
        return view;
      },
    });
    let lost = 0;
    /** As the step does: claim the rows with the record before the upload; a lost race allocates again. */
    const configure = async (n: number): Promise<SbcRecord> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await (attempt === 1 ? racing : provisioner).apply(customerOf(n), undefined, (record) =>
            uow((r) => r.sbcAllocations.hold(sbcId, services[n]!.id, heldRows(record))),
          );
        } catch (e) {
          if (!(e instanceof IndexTakenError)) throw e;
          lost++;
        }
      }
    };
    const records: SbcRecord[] = [];
    for (let batch = 0; batch < CUSTOMERS; batch += 10)
      records.push(...(await Promise.all(Array.from({ length: 10 }, (_, k) => configure(batch + k)))));

    // Every customer's dial-plan rows carry its own FQDN; no index is used twice, on the device or in the records.
    const tables = sbc.control.tables();
    for (let n = 0; n < CUSTOMERS; n++) {
      const c = customerOf(n);
      if (c.model !== 'shared-trunk') continue;
      const rows = (tables.DialPlanRule ?? []).filter((r) => r.values.Tag === c.fqdn);
      expect(rows.map((r) => r.values.Prefix).sort(), c.shortName).toEqual(
        c.ranges.map((r) => (r as { number: string }).number).sort(),
      );
    }
    expect(tables.IPGroup!.length - before.IPGroup!.length).toBe(CUSTOMERS / 5);
    const claimed = records.flatMap(heldRows).map((r) => `${r.table} ${r.index}`);
    expect(new Set(claimed).size).toBe(claimed.length);
    const held = await Promise.all(services.map((s) => repos.sbcAllocations.heldBy(s.id)));
    expect(
      held
        .flat()
        .map((r) => `${r.table} ${r.index}`)
        .sort(),
    ).toEqual([...claimed].sort());
    // In each batch of ten that read the same free indexes, nine lost on the claim (before writing anything).
    expect(lost).toBeGreaterThanOrEqual(9 * (CUSTOMERS / 10));

    for (const [n, record] of records.entries()) {
      await provisioner.remove(record);
      await repos.sbcAllocations.release(services[n]!.id);
    }
    expect(sbc.control.tables()).toEqual(before);
    expect((await Promise.all(services.map((s) => repos.sbcAllocations.heldBy(s.id)))).flat()).toEqual([]);
  }, 180_000);
});

describe('Configure SBC without an SBC', () => {
  it('answers 409 naming the SBC for the preview and the run while the inventory is empty', async () => {
    const server = await startTestServer();
    try {
      const admin = await server.admin();
      const customerId = expectStatus(
        await admin.post('/api/v1/customers', { name: 'No SBC customer' }),
        201,
      ).id;
      const svc = expectStatus(
        await admin.post('/api/v1/services', {
          customerId,
          type: 'direct-routing',
          fullName: 'No SBC',
          shortName: 'no-sbc',
          licenseType: 'hosted-essentials-plus',
          licensedUsers: 1,
          adminAuth: { method: 'invite', email: 'it@nosbc.example' },
        }),
        201,
      );
      const preview = expectProblem(
        await admin.post(`/api/v1/services/${svc.id}/sbc/preview`, {}),
        409,
        'conflict',
      );
      expect(preview.errors).toEqual([expect.objectContaining({ path: 'sbcId', code: 'no_sbc' })]);
      // The run is refused earlier still: the service has no default routing to go on from.
      const run = expectProblem(
        await admin.post(`/api/v1/services/${svc.id}/sbc`, { confirm: true }),
        409,
        'conflict',
      );
      expect(run.detail).toMatch(/Configure SBC is not possible now/);
    } finally {
      await server.close();
    }
  });
});
