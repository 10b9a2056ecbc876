import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuditPageSchema,
  NumberRangeListSchema,
  NumberRangesChangedSchema,
  type SbcNumberRange,
} from '@trunkline/contracts';
import { expectBody, expectProblem, expectStatus, type Client } from '../support/client.ts';
import { seedTenancy, startTestServer, type Tenancy, type TestServer } from '../support/server.ts';

/** Number ranges per service (issue #11) over real HTTP on a real database. */
describe('number ranges', () => {
  let server: TestServer;
  let t: Tenancy;
  let a1: string;
  let a2: string;
  let b1: string;

  const service = async (customerId: string, shortName: string, fullName: string) =>
    expectStatus(
      await t.admin.post('/api/v1/services', {
        customerId,
        type: 'direct-routing',
        fullName,
        shortName,
        licenseType: 'hosted-essentials-plus',
        licensedUsers: 5,
        adminAuth: { method: 'invite', email: `it@${shortName}.example.com` },
      }),
      201,
    ).id as string;
  const path = (id: string) => `/api/v1/services/${id}/number-ranges`;
  const put = (c: Client, id: string, ranges: (string | { range: string; description?: string })[]) =>
    c.put(path(id), { ranges: ranges.map((r) => (typeof r === 'string' ? { range: r } : r)) });
  const importCsv = (c: Client, id: string, csv: string) =>
    c.request('POST', `${path(id)}/import`, csv, { 'content-type': 'text/csv' });
  const listed = async (c: Client, id: string) =>
    expectBody(await c.get(path(id)), 200, NumberRangeListSchema).items.map((i) => i.range);

  beforeAll(async () => {
    server = await startTestServer();
    t = await seedTenancy(server);
    a1 = await service(t.a.customer.id, 'berlin-hq', 'Berlin HQ');
    a2 = await service(t.a.sibling.id, 'hamburg', 'Hamburg office');
    b1 = await service(t.b.customer.id, 'munich', 'Munich office');
  });
  afterAll(() => server?.close());

  it('replaces and reads the list in order, normalised, with what changed', async () => {
    const first = expectBody(
      await put(t.a.channelClient, a1, [
        { range: '+49 30 1234 [1000-1999]', description: 'Berlin main' },
        '+4930555*',
        '+4930777000',
      ]),
      200,
      NumberRangesChangedSchema,
    );
    expect(first.items.map((i) => [i.position, i.kind, i.range, i.entered, i.description, i.size])).toEqual([
      [0, 'range', '+49301234[1000-1999]', '+49 30 1234 [1000-1999]', 'Berlin main', 1000],
      [1, 'prefix', '+4930555*', '+4930555*', null, null],
      [2, 'number', '+4930777000', '+4930777000', null, 1],
    ]);
    expect(first.added).toEqual(['+49301234[1000-1999]', '+4930555*', '+4930777000']);
    expect(first.removed).toEqual([]);

    const second = expectBody(
      await put(t.admin, a1, ['+4930777000', '+49301234[1000-1999]', '+4930888*']),
      200,
      NumberRangesChangedSchema,
    );
    expect(second.added).toEqual(['+4930888*']);
    expect(second.removed).toEqual(['+4930555*']);
    expect(await listed(t.a.channelClient, a1)).toEqual(['+4930777000', '+49301234[1000-1999]', '+4930888*']);
    // The customer admin of the service reads them, and may not change them.
    expect(await listed(t.a.customerClient, a1)).toEqual([
      '+4930777000',
      '+49301234[1000-1999]',
      '+4930888*',
    ]);
    expectProblem(await put(t.a.customerClient, a1, ['+4930999*']), 403, 'forbidden');
    expectProblem(await importCsv(t.a.customerClient, a1, '+4930999*'), 403, 'forbidden');

    // The SBC step reads the same list through the repository, in order.
    const ranges: SbcNumberRange[] = await server.runtime.services.repos.numberRanges.rangesForService(a1);
    expect(ranges).toEqual([
      { kind: 'number', number: '+4930777000' },
      { kind: 'range', prefix: '+49301234', from: '1000', to: '1999' },
      { kind: 'prefix', prefix: '+4930888' },
    ]);
  });

  it('refuses invalid notations with a sentence per item', async () => {
    const problem = expectProblem(
      await put(t.admin, a2, ['+4940123*', '004940123', '+4940[200-100]', '+49401[10-1999]']),
      422,
      'validation_failed',
    );
    expect(problem.errors!.map((e) => e.path)).toEqual([
      'ranges.1.range',
      'ranges.2.range',
      'ranges.3.range',
    ]);
    expect(problem.errors![0]!.message).toMatch(/Start with \+ and the country code/);
    expect(problem.errors![1]!.message).toMatch(/greater than/);
    expect(problem.errors![2]!.message).toMatch(/same number of digits/);
    expect(await listed(t.admin, a2)).toEqual([]);
  });

  it('refuses items of one list that overlap, naming both', async () => {
    const problem = expectProblem(
      await put(t.admin, a2, ['+4940123*', '+4940999[100-199]', '+494012345678']),
      422,
      'validation_failed',
    );
    expect(problem.errors).toEqual([
      {
        path: 'ranges.2.range',
        code: 'overlap',
        message: '+494012345678 (item 3) overlaps +4940123* (item 1).',
      },
    ]);
  });

  it("refuses a range overlapping another service's, naming that customer and service", async () => {
    const problem = expectProblem(
      await put(t.b.channelClient, b1, ['+4989111*', '+49301234[1500-2500]']),
      409,
      'conflict',
    );
    expect(problem.errors).toEqual([
      {
        path: 'ranges.1.range',
        code: 'taken',
        message: '+49301234[1500-2500] overlaps +49301234[1000-1999] of Customer a1 — Berlin HQ (berlin-hq).',
      },
    ]);
    expect(problem.detail).toContain('Customer a1');
    // Next to it, not overlapping: accepted.
    expectBody(await put(t.b.channelClient, b1, ['+49301234[2000-2500]']), 200, NumberRangesChangedSchema);
    // A prefix covering the other's range is refused too.
    expectProblem(await put(t.b.channelClient, b1, ['+4930*']), 409, 'conflict');
  });

  it('lets exactly one of two concurrent overlapping writes win', async () => {
    const [x, y] = await Promise.all([
      put(t.admin, a2, ['+4940555[000-499]']),
      put(t.b.channelClient, b1, ['+49405552*']),
    ]);
    expect([x.status, y.status].sort()).toEqual([200, 409]);
    const loser = x.status === 409 ? x : y;
    expect(expectProblem(loser, 409, 'conflict').errors![0]!.message).toMatch(
      x.status === 409 ? /of Customer b1 — Munich office/ : /of Customer a2 — Hamburg office/,
    );
    const stored = [...(await listed(t.admin, a2)), ...(await listed(t.admin, b1))];
    expect(stored.filter((r) => r.startsWith('+4940555'))).toHaveLength(1);
    await put(t.admin, a2, []);
    await put(t.admin, b1, []);
  });

  it('imports CSV: every bad line reported and nothing written, or all lines added', async () => {
    const bad = expectProblem(
      await importCsv(
        t.a.channelClient,
        a2,
        'range,description\n+4940100*,Reception\n+40\n+4940100123,Desk\n+4940200[10-19];"Sales, 2nd floor"\n',
      ),
      422,
      'validation_failed',
    );
    expect(bad.errors!.map((e) => [e.path, e.message])).toEqual([
      ['lines.3', expect.stringMatching(/at least 7/)],
      ['lines.4', '+4940100123 overlaps +4940100* on line 2.'],
    ]);
    expect(await listed(t.admin, a2)).toEqual([]);

    const good = expectBody(
      await importCsv(
        t.a.channelClient,
        a2,
        'range;description\r\n+4940100*;Reception\r\n+4940200[10-19];"Sales, 2nd floor"\r\n',
      ),
      200,
      NumberRangesChangedSchema,
    );
    expect(good.items.map((i) => [i.range, i.description])).toEqual([
      ['+4940100*', 'Reception'],
      ['+4940200[10-19]', 'Sales, 2nd floor'],
    ]);
    // A second import adds after the stored ranges; a line overlapping one of them is refused.
    const again = expectProblem(
      await importCsv(t.admin, a2, '+4940300*\n+494010012\n'),
      422,
      'validation_failed',
    );
    expect(again.errors).toEqual([
      {
        path: 'lines.2',
        code: 'overlap',
        message: '+494010012 (line 2) overlaps +4940100* (already in the list).',
      },
    ]);
    const added = expectBody(await importCsv(t.admin, a2, '+4940300*'), 200, NumberRangesChangedSchema);
    expect(added.added).toEqual(['+4940300*']);
    expect(await listed(t.admin, a2)).toEqual(['+4940100*', '+4940200[10-19]', '+4940300*']);
    // Another service's numbers in the file: 409 naming the line.
    const taken = expectProblem(await importCsv(t.b.channelClient, b1, '+4940300123\n'), 409, 'conflict');
    expect(taken.errors![0]).toMatchObject({
      path: 'lines.1',
      message: expect.stringMatching(/Hamburg office/),
    });
  });

  it('refuses a CSV past the size limit and one that is not text', async () => {
    const big = '+4940999*\n'.repeat(30_000);
    expectProblem(await importCsv(t.admin, a2, big), 413, 'payload_too_large');
    expectProblem(await importCsv(t.admin, a2, ''), 422, 'validation_failed');
    // A NUL, which PostgreSQL would refuse to store, is refused before any query (in a description too).
    const before = await listed(t.admin, a2);
    expectProblem(await importCsv(t.admin, a2, '+4940998*\n+4940999*,a\u0000b'), 422, 'validation_failed');
    expect(await listed(t.admin, a2)).toEqual(before);
    expectProblem(
      await t.admin.request('POST', `${path(a2)}/import`, '<x/>', { 'content-type': 'application/xml' }),
      415,
    );
  });

  it("answers 404 to another channel's admin and to a customer admin of a sibling", async () => {
    expectProblem(await t.b.channelClient.get(path(a1)), 404, 'not_found');
    expectProblem(await put(t.b.channelClient, a1, ['+4930111*']), 404, 'not_found');
    expectProblem(await importCsv(t.b.channelClient, a1, '+4930111*'), 404, 'not_found');
    expectProblem(await t.a.customerClient.get(path(a2)), 404, 'not_found');
    expect(await listed(t.admin, a1)).toEqual(['+4930777000', '+49301234[1000-1999]', '+4930888*']);
  });

  it('audits each change with what was before and after', async () => {
    const page = expectBody(
      await t.admin.get(`/api/v1/audit?action=service.number-ranges&pageSize=100`),
      200,
      AuditPageSchema,
    );
    const ofA1 = page.items.filter((e) => e.targetId === a1);
    expect(ofA1).toHaveLength(2);
    const latest = ofA1[0]!;
    expect(latest.summary).toMatchObject({
      via: 'replace',
      beforeCount: 3,
      afterCount: 3,
      added: ['+4930888*'],
      removed: ['+4930555*'],
      before: ['+49301234[1000-1999]', '+4930555*', '+4930777000'],
      after: ['+4930777000', '+49301234[1000-1999]', '+4930888*'],
    });
    expect(latest.sentence).toMatch(/changed the number ranges of Customer a1 — Berlin HQ/);
    // Refused writes leave no record; the imports of a2 are recorded.
    const ofA2 = page.items.filter((e) => e.targetId === a2).map((e) => e.summary.via);
    expect(ofA2).toEqual(expect.arrayContaining(['import', 'import']));
  });
});
