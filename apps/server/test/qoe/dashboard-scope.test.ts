import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  QoeCallDetailSchema,
  QoeCallPageSchema,
  QoeServiceSummariesSchema,
  QoeServiceSummarySchema,
  QoeSummarySchema,
  type QoeCallListItem,
  type QoeCallPage,
} from '@trunkline/contracts';
import { queryRows } from '../../src/platform/db/database.ts';
import { expectBody, expectProblem, expectStatus, type Client } from '../support/client.ts';
import { seedTenancy, startTestServer, type Tenancy, type TestServer } from '../support/server.ts';

/**
 * The QoE dashboards' scope (provider → channel → customer → service) and input validation over real HTTP. The
 * store is filled directly (the ingest path has its own tests): per service a known number of call records with
 * streams (some poor) and Direct Routing attempts (some failed), all within the last hour.
 */

let server: TestServer;
let t: Tenancy;
/** Service ids: a1 (customer A1), a2 (customer A2, same channel), b1 (channel B). */
const svc: Record<'a1' | 'a2' | 'b1', string> = { a1: '', a2: '', b1: '' };
/** What each service was given: call records, poor ones, answered and failed attempts. */
const given = {
  a1: { records: 5, poor: 2, answered: 4, failed: 3 },
  a2: { records: 3, poor: 1, answered: 2, failed: 1 },
  b1: { records: 4, poor: 0, answered: 6, failed: 2 },
};
const STREAMS_PER_CALL = 2;

const db = () => server.runtime.handle.db;

async function fill(serviceId: string, g: (typeof given)['a1'], baseMs: number) {
  for (let i = 0; i < g.records; i++) {
    const callId = randomUUID();
    const start = new Date(baseMs - (i + 1) * 60_000).toISOString();
    const poor = i < g.poor;
    await db().execute(sql`
      insert into qoe_calls (service_id, call_id, version, type, modalities, start_at, end_at, session_count,
        has_pstn, stream_count, poor_stream_count)
      values (${serviceId}, ${callId}, 1, 'peerToPeer', array['audio'], ${start}::timestamptz,
        ${start}::timestamptz + interval '2 minutes', 1, true, ${STREAMS_PER_CALL}, ${poor ? 1 : 0})`);
    for (let k = 0; k < STREAMS_PER_CALL; k++)
      await db().execute(sql`
        insert into qoe_streams (service_id, call_id, session_id, segment_id, start_at, caller_kind, callee_kind,
          modalities, direction, avg_jitter_ms, avg_packet_loss, avg_round_trip_ms, avg_audio_degradation,
          avg_concealed_ratio, poor)
        values (${serviceId}, ${callId}, 'session-1', 'segment-1', ${start}::timestamptz, 'user', 'direct-routing',
          array['audio'], ${k ? 'calleeToCaller' : 'callerToCallee'}, ${poor && k === 0 ? 45 : 5}, 0.01, 80, 0.2,
          0.01, ${poor && k === 0})`);
  }
  for (let i = 0; i < g.answered + g.failed; i++) {
    const ok = i < g.answered;
    await db().execute(sql`
      insert into qoe_dr_calls (service_id, id, start_at, successful, final_sip_code, final_sip_phrase, trunk_fqdn)
      values (${serviceId}, ${randomUUID()}, ${new Date(baseMs - (i + 1) * 45_000).toISOString()}::timestamptz, ${ok},
        ${ok ? 0 : 486}, ${ok ? 'BYE' : 'Busy Here'}, 'sbc.example.com')`);
  }
}

const service = async (customerId: string, shortName: string) =>
  expectStatus(
    await t.admin.post('/api/v1/services', {
      customerId,
      type: 'direct-routing',
      fullName: `QoE ${shortName}`,
      shortName,
      licenseType: 'hosted-essentials-plus',
      licensedUsers: 5,
      adminAuth: { method: 'invite', email: `it@${shortName}.example.com` },
    }),
    201,
  ).id as string;

beforeAll(async () => {
  server = await startTestServer();
  t = await seedTenancy(server);
  svc.a1 = await service(t.a.customer.id, 'qoe-a1');
  svc.a2 = await service(t.a.sibling.id, 'qoe-a2');
  svc.b1 = await service(t.b.customer.id, 'qoe-b1');
  const now = Date.now();
  for (const k of ['a1', 'a2', 'b1'] as const) await fill(svc[k], given[k], now);
}, 60_000);
afterAll(async () => server?.close());

const summary = async (c: Client, query = '') =>
  expectBody(await c.get(`/api/v1/qoe/summary${query}`), 200, QoeSummarySchema);
const sum = (keys: (keyof typeof given)[], f: (g: (typeof given)['a1']) => number) =>
  keys.reduce((n, k) => n + f(given[k]), 0);

async function allCalls(c: Client, query: string, limit: number): Promise<QoeCallListItem[]> {
  const items: QoeCallListItem[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 50; page++) {
    const res: QoeCallPage = expectBody(
      await c.get(`/api/v1/qoe/calls?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`),
      200,
      QoeCallPageSchema,
    );
    expect(res.items.length).toBeLessThanOrEqual(limit);
    items.push(...res.items);
    cursor = res.nextCursor;
    if (!cursor) return items;
  }
  throw new Error('the call list does not end');
}

describe('QoE dashboard scope', () => {
  it('adds up everything for the provider, the channel for a channel admin, and only their own for a customer admin', async () => {
    const cases: [Client, (keyof typeof given)[]][] = [
      [t.admin, ['a1', 'a2', 'b1']],
      [t.a.channelClient, ['a1', 'a2']],
      [t.b.channelClient, ['b1']],
      [t.a.customerClient, ['a1']],
    ];
    for (const [client, keys] of cases) {
      const s = await summary(client);
      expect(s.calls).toEqual({
        total: sum(keys, (g) => g.answered + g.failed),
        answered: sum(keys, (g) => g.answered),
        failed: sum(keys, (g) => g.failed),
        successRate: sum(keys, (g) => g.answered) / sum(keys, (g) => g.answered + g.failed),
      });
      expect(s.streams.callRecords).toBe(sum(keys, (g) => g.records));
      expect(s.streams.poorCalls).toBe(sum(keys, (g) => g.poor));
      expect(s.streams.streams).toBe(sum(keys, (g) => g.records) * STREAMS_PER_CALL);
      expect(s.streams.poorStreams).toBe(sum(keys, (g) => g.poor));
      expect(s.poorStreamsBy.jitter).toBe(sum(keys, (g) => g.poor));
      expect(s.topSipCodes.find((c) => c.code === 486)?.failed).toBe(sum(keys, (g) => g.failed));
      expect(s.topServices.map((x) => x.serviceId).sort()).toEqual(
        keys
          .filter((k) => given[k].poor > 0)
          .map((k) => svc[k])
          .sort(),
      );
      expect(s.timeline.reduce((n, b) => n + b.answered + b.failed, 0)).toBe(s.calls.total);

      const calls = await allCalls(client, '', 3);
      expect(new Set(calls.map((c) => c.serviceId))).toEqual(new Set(keys.map((k) => svc[k])));
      expect(calls.filter((c) => c.source === 'callRecord')).toHaveLength(sum(keys, (g) => g.records));
      expect(calls.filter((c) => c.source === 'directRouting')).toHaveLength(sum(keys, (g) => g.failed));
      expect(new Set(calls.map((c) => `${c.serviceId}/${c.id}`)).size).toBe(calls.length);
      const starts = calls.map((c) => c.startAt);
      expect(starts).toEqual([...starts].sort().reverse());
    }
  });

  it('narrows by customer and service within the scope; a filter outside it is 404', async () => {
    const own = await summary(t.a.channelClient, `?customerId=${t.a.sibling.id}`);
    expect(own.streams.callRecords).toBe(given.a2.records);
    const one = await summary(t.admin, `?serviceId=${svc.b1}`);
    expect(one.calls.answered).toBe(given.b1.answered);
    for (const query of [`serviceId=${svc.b1}`, `serviceId=${svc.a2}`, `customerId=${t.a.sibling.id}`]) {
      expectProblem(await t.a.customerClient.get(`/api/v1/qoe/summary?${query}`), 404, 'not_found');
      expectProblem(await t.a.customerClient.get(`/api/v1/qoe/calls?${query}`), 404, 'not_found');
    }
    expectProblem(
      await t.a.channelClient.get(`/api/v1/qoe/summary?customerId=${t.b.customer.id}`),
      404,
      'not_found',
    );
    const empty = await summary(t.admin, `?serviceId=${await service(t.b.sibling.id, 'qoe-b2')}`);
    expect(empty.calls).toEqual({ total: 0, answered: 0, failed: 0, successRate: null });
    expect(empty.streams.poorShare).toBeNull();
    expect(empty.topSipCodes).toEqual([]);
  });

  it('filters the call list by poor calls and by failed attempts', async () => {
    const poor = await allCalls(t.admin, '&poor=true', 2);
    expect(poor).toHaveLength(sum(['a1', 'a2', 'b1'], (g) => g.poor));
    expect(poor.every((c) => c.source === 'callRecord' && c.poorStreamCount! > 0)).toBe(true);
    const failed = await allCalls(t.admin, '&failed=true', 4);
    expect(failed).toHaveLength(sum(['a1', 'a2', 'b1'], (g) => g.failed));
    expect(failed.every((c) => c.source === 'directRouting' && !c.answered && c.finalSipCode === 486)).toBe(
      true,
    );
    const records = await allCalls(t.admin, `&failed=false&serviceId=${svc.a1}`, 50);
    expect(records).toHaveLength(given.a1.records);
  });

  it('shows a call down to its streams only within the scope', async () => {
    const [call] = await allCalls(t.a.customerClient, '&poor=true', 1);
    const detail = expectBody(
      await t.a.customerClient.get(`/api/v1/services/${call!.serviceId}/qoe/calls/${call!.id}`),
      200,
      QoeCallDetailSchema,
    );
    const streams = detail.sessions.flatMap((s) => s.segments.flatMap((g) => g.streams));
    expect(streams).toHaveLength(STREAMS_PER_CALL);
    expect(streams.filter((s) => s.poor)).toHaveLength(1);
    expect(streams.find((s) => s.poor)!.poorBy).toEqual({
      jitter: true,
      packetLoss: false,
      roundTrip: false,
      audioDegradation: false,
      concealedRatio: false,
    });
    expectProblem(
      await t.b.customerClient.get(`/api/v1/services/${call!.serviceId}/qoe/calls/${call!.id}`),
      404,
      'not_found',
    );
    expectProblem(
      await t.a.customerClient.get(`/api/v1/services/${call!.serviceId}/qoe/calls/no-such-call`),
      404,
      'not_found',
    );
  });

  it("answers a service's last 24 hours, alone and batched, leaving out services outside the scope", async () => {
    const one = expectBody(
      await t.a.customerClient.get(`/api/v1/services/${svc.a1}/qoe/summary`),
      200,
      QoeServiceSummarySchema,
    );
    expect(one.calls).toMatchObject({ answered: given.a1.answered, failed: given.a1.failed });
    expect(one.streams).toMatchObject({ callRecords: given.a1.records, poorCalls: given.a1.poor });
    expect(one.lastCallAt).not.toBeNull();
    expectProblem(await t.a.customerClient.get(`/api/v1/services/${svc.b1}/qoe/summary`), 404, 'not_found');

    const batch = expectBody(
      await t.a.channelClient.get(`/api/v1/qoe/service-summaries?serviceIds=${svc.b1},${svc.a2},${svc.a1}`),
      200,
      QoeServiceSummariesSchema,
    );
    expect(batch.items.map((i) => i.serviceId)).toEqual([svc.a2, svc.a1]);
    expect(batch.items[0]!.streams.poorStreams).toBe(given.a2.poor);
    expect(batch.items[1]!.calls.total).toBe(given.a1.answered + given.a1.failed);
  });

  it('refuses a bad range, cursor or id list with 422 problem+json naming the field', async () => {
    const day = 86_400_000;
    const at = (ms: number) => new Date(ms).toISOString();
    const backwards = expectProblem(
      await t.admin.get(`/api/v1/qoe/summary?from=${at(Date.now())}&to=${at(Date.now() - day)}`),
      422,
      'validation_failed',
    );
    expect(backwards.errors?.map((e) => e.path)).toEqual(['to']);
    const tooLong = expectProblem(
      await t.admin.get(`/api/v1/qoe/calls?from=${at(Date.now() - 91 * day)}`),
      422,
      'validation_failed',
    );
    expect(tooLong.errors?.map((e) => e.path)).toEqual(['from']);
    const notADate = expectProblem(
      await t.admin.get('/api/v1/qoe/summary?from=yesterday'),
      422,
      'validation_failed',
    );
    expect(notADate.errors?.map((e) => e.path)).toEqual(['from']);
    const cursor = expectProblem(await t.admin.get('/api/v1/qoe/calls?cursor=abc'), 422, 'validation_failed');
    expect(cursor.errors?.map((e) => e.path)).toEqual(['cursor']);
    const ids = expectProblem(
      await t.admin.get('/api/v1/qoe/service-summaries?serviceIds=not-a-uuid'),
      422,
      'validation_failed',
    );
    expect(ids.errors?.[0]?.path).toMatch(/^serviceIds/);
    expectProblem(await t.admin.get('/api/v1/qoe/calls?poor=maybe'), 422, 'validation_failed');
    expectProblem(await server.client().get('/api/v1/qoe/summary'), 401, 'unauthenticated');
    const res = await t.admin.get(`/api/v1/qoe/summary?from=${at(Date.now())}&to=${at(Date.now() - day)}`);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('counts only what started in the range, with one bucket per step of the range', async () => {
    const to = new Date(Date.now() - 2 * 3600_000);
    const from = new Date(to.getTime() - 6 * 3600_000);
    const s = await summary(t.admin, `?from=${from.toISOString()}&to=${to.toISOString()}`);
    expect(s.calls.total).toBe(0);
    expect(s.streams.streams).toBe(0);
    expect(s.range.bucketSeconds).toBe(300);
    expect(s.timeline.length).toBeGreaterThanOrEqual(72);
    expect(s.timeline.length).toBeLessThanOrEqual(73);
    expect(s.percentiles.jitterMs).toEqual({ p50: null, p90: null, p95: null });
    const rows = await queryRows<{ n: number }>(db(), sql`select count(*)::int as n from qoe_streams`);
    expect(rows[0]!.n).toBeGreaterThan(0);
  });
});
