import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { trunksOf } from '../src/call-generator.ts';
import { loadDefaultSeed, startM365Emulator, type Delivery, type M365Emulator } from '../src/index.ts';
import type { Tenant } from '../src/state.ts';
import { appToken, CONTOSO, graph, GRAPH_DEFAULT } from './helpers.ts';

/**
 * The call generator (`src/call-generator.ts`): calls for every tenant with a live call-record subscription through
 * its trunk (a verified subdomain of the SBC zone, or a Teams gateway), delivered to the real webhook; good, poor and
 * failed calls; the control API; its configuration and the subscriptions kept in the state file; and Graph's
 * treatment of a slow webhook.
 */

const NOTIFY_APP = 'd4b1c9e3-6a2f-4c7d-8e15-9f3a7b2c0d61';
const NOTIFY_SECRET = 'Ctso~notify-app.secret-0001';
const ZONE = 'sbc.example';
const TRUNK = `qoe-1.${ZONE}`;
/** Contoso with its trunk's subdomain verified (as default routing leaves it). */
const seed = () => {
  const s = loadDefaultSeed();
  s.tenants
    .find((t) => t.name === 'contoso')!
    .domains.push({ id: TRUNK, isInitial: false, isDefault: false });
  return s;
};

type Received = { path: string; body: any };
let hook: Server;
let hookUrl: string;
const received: Received[] = [];
/** Milliseconds the webhook waits before answering a notification (the next `hookSlowCount` ones, if set). */
let hookDelayMs = 0;
let hookSlowCount: number | null = null;

const read = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

const eventually = async <T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 10_000,
) => {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
};

const dirs: string[] = [];
const emulators: M365Emulator[] = [];
const start = async (o: Parameters<typeof startM365Emulator>[0] = {}) => {
  const e = await startM365Emulator({ dnsResolver: async () => [], seed: seed(), ...o });
  emulators.push(e);
  return e;
};

beforeAll(async () => {
  hook = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const body = await read(req);
      const token = url.searchParams.get('validationToken');
      if (token !== null) {
        res.writeHead(200, { 'content-type': 'text/plain' }).end(token);
        return;
      }
      const slow = hookSlowCount === null || hookSlowCount > 0;
      if (hookSlowCount !== null && hookSlowCount > 0) hookSlowCount -= 1;
      if (hookDelayMs && slow) await new Promise((r) => setTimeout(r, hookDelayMs));
      received.push({ path: url.pathname, body: JSON.parse(body) });
      res.writeHead(202).end();
    })();
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const e of emulators) await e.stop();
  hook.closeAllConnections();
  await new Promise((r) => hook.close(r));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
beforeEach(() => {
  received.length = 0;
  hookDelayMs = 0;
  hookSlowCount = null;
});

const subscribe = async (emu: M365Emulator) => {
  const access = await appToken(emu, CONTOSO.id, GRAPH_DEFAULT, NOTIFY_APP, NOTIFY_SECRET);
  const res = await graph(emu, access, '/subscriptions', {
    method: 'POST',
    body: {
      changeType: 'created,updated',
      notificationUrl: `${hookUrl}/notify`,
      lifecycleNotificationUrl: `${hookUrl}/lifecycle`,
      resource: '/communications/callRecords',
      expirationDateTime: new Date(Date.now() + 4000 * 60_000).toISOString(),
      clientState: 'state-1',
    },
  });
  expect(res.status).toBe(201);
  return { access, id: res.body.id as string };
};

const control = async (emu: M365Emulator, method: string, p: string, body?: unknown) => {
  const res = await fetch(`${emu.urls.control}${p}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as any };
};

const ms = (d: string) => Number(/^PT([\d.]+)S$/.exec(d)![1]) * 1000;
const poorStream = (x: any) =>
  ms(x.averageJitter) > 30 ||
  x.averagePacketLossRate > 0.1 ||
  ms(x.averageRoundTripTime) > 500 ||
  x.averageAudioDegradation > 1 ||
  x.averageRatioOfConcealedSamples > 0.07;
const streamsOf = (record: any): any[] =>
  record.sessions.flatMap((s: any) => s.segments.flatMap((g: any) => g.media.flatMap((m: any) => m.streams)));

describe('call generator', () => {
  it('is off unless started; with a subscription and a trunk it calls through the trunk and notifies the webhook', async () => {
    const emu = await start();
    expect(emu.control.callGenerator()).toMatchObject({ enabled: false, running: false, tenants: [] });
    const { access, id } = await subscribe(emu);
    // Without the SBC zone contoso has no trunk (no Teams gateway either): nothing to call through.
    expect(emu.control.callGenerator().tenants).toEqual([
      expect.objectContaining({ tenant: 'contoso', trunks: [], calls: 0 }),
    ]);
    expect(emu.control.generateNow()).toEqual([]);

    const started = await control(emu, 'PUT', '/call-generator', {
      enabled: true,
      sbcZone: ZONE,
      minIntervalSeconds: 0.2,
      maxIntervalSeconds: 0.4,
      failedShare: 0.25,
      poorShare: 0.5,
    });
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ running: true, tenants: [{ tenant: 'contoso', trunks: [TRUNK] }] });

    const notified = await eventually(
      () => received.filter((r) => r.path === '/notify').length >= 4 && received,
    );
    for (const r of notified.filter((x) => x.path === '/notify')) {
      const [n] = r.body.value;
      expect(n).toMatchObject({ subscriptionId: id, clientState: 'state-1', changeType: 'created' });
      const rec = await graph(
        emu,
        access,
        `/communications/callRecords/${n.resourceData.id}?$expand=sessions($expand=segments)`,
      );
      expect(rec.status).toBe(200);
      const gateway = [rec.body.sessions[0].caller, rec.body.sessions[0].callee].find(
        (e: any) => e.identity.phone,
      );
      expect(gateway.userAgent.headerValue).toBe(`${TRUNK} SBC`);
      // Calls end now (not an hour ago).
      expect(Date.parse(rec.body.endDateTime)).toBeGreaterThan(Date.now() - 60_000);
    }
    const stopped = await control(emu, 'POST', '/call-generator/stop');
    expect(stopped.body).toMatchObject({ enabled: false, running: false });

    const status = emu.control.callGenerator().tenants[0]!;
    const { directRoutingCalls, records } = emu.control.callRecords('contoso');
    expect(records).toHaveLength(status.calls);
    expect(directRoutingCalls).toHaveLength(status.calls + status.failedCalls);
    expect(directRoutingCalls.every((r: any) => r.trunkFullyQualifiedDomainName === TRUNK)).toBe(true);
    // Rows are kept in start order and found by getDirectRoutingCalls.
    const from = new Date(Date.now() - 3600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const log = await graph(
      emu,
      access,
      `/communications/callRecords/getDirectRoutingCalls(fromDateTime=${from},toDateTime=${to})`,
    );
    expect(log.body['@odata.count']).toBe(directRoutingCalls.length);
  });

  it('makes poor calls above the thresholds, good ones below, and failed calls only in the Direct Routing log', async () => {
    const emu = await start({ callGenerator: { sbcZone: ZONE } });
    await subscribe(emu);
    emu.control.configureCallGenerator({ poorShare: 1, failedShare: 0 });
    const [poor] = emu.control.generateNow();
    emu.control.configureCallGenerator({ poorShare: 0 });
    const [good] = emu.control.generateNow();
    emu.control.configureCallGenerator({ failedShare: 1 });
    const failed = Array.from({ length: 12 }, () => emu.control.generateNow()[0]!);
    const records = emu.control.callRecords('contoso').records as any[];
    const byId = (id: string | null) => records.find((r) => r.id === id);
    expect(poor).toMatchObject({ poor: true, trunkFqdn: TRUNK });
    expect(streamsOf(byId(poor!.recordId)).some(poorStream)).toBe(true);
    expect(good).toMatchObject({ poor: false });
    expect(streamsOf(byId(good!.recordId)).some(poorStream)).toBe(false);
    expect(records).toHaveLength(2);
    expect(failed.every((f) => f.recordId === null && [404, 480, 486, 503].includes(f.finalSipCode))).toBe(
      true,
    );
    const log = emu.control.callRecords('contoso').directRoutingCalls as any[];
    expect(log.filter((r) => !r.successfulCall).map((r) => r.finalSipCode)).toEqual(
      failed.map((f) => f.finalSipCode),
    );
    await eventually(() => received.filter((r) => r.path === '/notify').length === 2);
  });

  it("takes a tenant's trunks from its enabled Teams PSTN gateways and its verified subdomains of the SBC zone", () => {
    const tenant = {
      teams: {
        gateways: [
          { Identity: 'sbc2.carrier.example', Fqdn: 'SBC2.carrier.example', Enabled: true },
          { Identity: 'off.carrier.example', Fqdn: 'off.carrier.example', Enabled: false },
        ],
      },
      domains: [
        { id: TRUNK, isVerified: true },
        { id: `pending.${ZONE}`, isVerified: false },
        { id: 'contoso.com', isVerified: true },
      ],
    } as unknown as Tenant;
    expect(trunksOf(tenant, ZONE)).toEqual(['qoe-1.sbc.example', 'sbc2.carrier.example']);
    expect(trunksOf(tenant, null)).toEqual(['sbc2.carrier.example']);
  });

  it('refuses a bad configuration with 400 and changes nothing', async () => {
    const emu = await start();
    for (const bad of [
      { enabled: 'yes' },
      { minIntervalSeconds: 0 },
      { minIntervalSeconds: 90, maxIntervalSeconds: 60 },
      { poorShare: 2 },
      { sbcZone: 'not a zone' },
      { rate: 1 },
    ]) {
      const res = await control(emu, 'PUT', '/call-generator', bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
    expect(emu.control.callGenerator()).toMatchObject({
      enabled: false,
      minIntervalSeconds: 20,
      maxIntervalSeconds: 60,
    });
  });

  it('keeps the subscriptions and the generator configuration across a restart', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'm365-generator-'));
    dirs.push(dir);
    const stateFile = path.join(dir, 'm365.json');
    const first = await start({ stateFile, callGenerator: { enabled: true, sbcZone: ZONE } });
    const { id } = await subscribe(first);
    expect(first.control.callGenerator().running).toBe(true);
    first.control.configureCallGenerator({ enabled: false, minIntervalSeconds: 5 });
    await first.stop();

    // The start option says on; what the control API set last wins.
    const second = await start({ stateFile, callGenerator: { enabled: true, sbcZone: ZONE } });
    expect(second.control.callGenerator()).toMatchObject({
      enabled: false,
      running: false,
      minIntervalSeconds: 5,
    });
    const access = await appToken(second, CONTOSO.id, GRAPH_DEFAULT, NOTIFY_APP, NOTIFY_SECRET);
    const renewed = await graph(second, access, `/subscriptions/${id}`, {
      method: 'PATCH',
      body: { expirationDateTime: new Date(Date.now() + 4200 * 60_000).toISOString() },
    });
    expect(renewed.status).toBe(200);
    expect(second.control.callGenerator().tenants).toEqual([
      expect.objectContaining({ tenant: 'contoso', trunks: [TRUNK] }),
    ]);
  });
});

/**
 * 100 calls, each notified and its answer recorded by Graph (the webhook may have seen a request before Graph saw
 * its answer), then one call more: its record id, whose notification meets the endpoint's record of answers.
 */
const oneMoreAfter100 = async (emu: M365Emulator) => {
  emu.control.generate({ tenant: 'contoso', trunkFqdn: TRUNK, calls: 100, failedCalls: 0 });
  await eventually(() => emu.control.deliveries().length === 100);
  return emu.control.generate({ tenant: 'contoso', trunkFqdn: TRUNK, calls: 1, failedCalls: 0 }).records[0];
};

describe("Graph's delivery to a slow webhook", () => {
  it('drops new notifications for an endpoint whose answers were mostly slow (over 15 % of at least 100)', async () => {
    const emu = await start();
    await subscribe(emu);
    // Every answer counts as slow: the webhook waits 20 ms, the bar is 5 ms.
    emu.control.setCallRecordSettings({ slowMs: 5 });
    hookDelayMs = 20;
    const next = await oneMoreAfter100(emu);
    const dropped = await eventually(() =>
      (emu.control.deliveries() as Delivery[]).find((d) => d.resourceId === next),
    );
    expect(dropped).toMatchObject({ throttled: 'dropped', status: 0, attempt: 1 });
    expect(received).toHaveLength(100);
  });

  it('holds new notifications back 10 s for an endpoint with over 10 % (and at most 15 %) slow answers', async () => {
    const emu = await start();
    await subscribe(emu);
    // 12 of the first 100 answers come after the timeout (slow); the others well inside it. No retries.
    emu.control.setCallRecordSettings({ timeoutMs: 1000, maxAttempts: 1, slowMs: 86_400_000 });
    hookDelayMs = 1500;
    hookSlowCount = 12;
    const next = await oneMoreAfter100(emu);
    const delayed = await eventually(
      () => (emu.control.deliveries() as Delivery[]).find((d) => d.resourceId === next),
      20_000,
    );
    expect(delayed).toMatchObject({ throttled: 'delayed', status: 202, attempt: 1 });
    expect(received.at(-1)!.body.value[0].resourceData.id).toBe(next);
  }, 30_000);

  it('retries a notification whose answer took longer than the timeout, with back-off', async () => {
    const emu = await start();
    await subscribe(emu);
    emu.control.setCallRecordSettings({ timeoutMs: 100, retryBaseMs: 50 });
    hookDelayMs = 300;
    const [id] = emu.control.generate({
      tenant: 'contoso',
      trunkFqdn: TRUNK,
      calls: 1,
      failedCalls: 0,
    }).records;
    await eventually(
      () => (emu.control.deliveries() as Delivery[]).filter((d) => d.resourceId === id).length >= 2,
    );
    hookDelayMs = 0;
    const ok = await eventually(() =>
      (emu.control.deliveries() as Delivery[]).find((d) => d.resourceId === id && d.status === 202),
    );
    const tries = (emu.control.deliveries() as Delivery[]).filter((d) => d.resourceId === id);
    expect(tries[0]).toMatchObject({ attempt: 1, status: 0 });
    expect(ok.attempt).toBeGreaterThan(1);
    expect(tries.map((d) => d.attempt)).toEqual(tries.map((_d, i) => i + 1));
  });
});
