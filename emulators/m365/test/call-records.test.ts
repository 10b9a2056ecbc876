import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startM365Emulator, type Delivery, type M365Emulator } from '../src/index.ts';
import { appToken, CONTOSO, FABRIKAM, graph, GRAPH_DEFAULT } from './helpers.ts';

const NOTIFY_APP = 'd4b1c9e3-6a2f-4c7d-8e15-9f3a7b2c0d61';
const NOTIFY_SECRET = 'Ctso~notify-app.secret-0001';

type Hook = {
  mode: 'echo' | 'encoded' | 'fail-once' | 'slow-once';
  received: { path: string; body: any }[];
  failed: number;
};

let emu: M365Emulator;
let server: Server;
let hookUrl: string;
const hook: Hook = { mode: 'echo', received: [], failed: 0 };

const read = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

beforeAll(async () => {
  emu = await startM365Emulator({ dnsResolver: async () => [] });
  server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const body = await read(req);
      const token = url.searchParams.get('validationToken');
      if (token !== null) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        const raw = /validationToken=([^&]*)/.exec(req.url ?? '')![1]!;
        res.end(hook.mode === 'encoded' ? raw : token);
        return;
      }
      if (hook.mode === 'fail-once' && hook.failed === 0) {
        hook.failed += 1;
        res.writeHead(503).end();
        return;
      }
      if (hook.mode === 'slow-once' && hook.failed === 0) {
        hook.failed += 1;
        await new Promise((r) => setTimeout(r, 400));
      }
      hook.received.push({ path: url.pathname, body: JSON.parse(body) });
      res.writeHead(202).end();
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await emu.stop();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(async () => {
  await fetch(`${emu.urls.control}/reset`, { method: 'POST' });
  hook.mode = 'echo';
  hook.received = [];
  hook.failed = 0;
});

const token = () => appToken(emu, CONTOSO.id, GRAPH_DEFAULT, NOTIFY_APP, NOTIFY_SECRET);
const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();
const eventually = async <T>(probe: () => T | undefined | false, ms = 5000): Promise<T> => {
  const until = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

const subscribe = async (access: string, extra: Record<string, unknown> = {}) =>
  graph(emu, access, '/subscriptions', {
    method: 'POST',
    body: {
      changeType: 'created,updated',
      notificationUrl: `${hookUrl}/notify?tenant=contoso`,
      lifecycleNotificationUrl: `${hookUrl}/lifecycle`,
      resource: '/communications/callRecords',
      expirationDateTime: inMinutes(4000),
      clientState: 'state-1',
      ...extra,
    },
  });

describe('call-record subscriptions', () => {
  it('validates both URLs with a URL-encoded token and creates, renews, reauthorizes and deletes', async () => {
    const access = await token();
    const created = await subscribe(access);
    expect(created.status).toBe(201);
    const sub = created.body;
    expect(sub).toMatchObject({ resource: '/communications/callRecords', clientState: 'state-1' });
    const patched = await graph(emu, access, `/subscriptions/${sub.id}`, {
      method: 'PATCH',
      body: { expirationDateTime: inMinutes(4229) },
    });
    expect(patched.status).toBe(200);
    expect(Date.parse(patched.body.expirationDateTime)).toBeGreaterThan(Date.parse(sub.expirationDateTime));
    const tooLong = await graph(emu, access, `/subscriptions/${sub.id}`, {
      method: 'PATCH',
      body: { expirationDateTime: inMinutes(4240) },
    });
    expect(tooLong.status).toBe(400);
    expect(
      (await graph(emu, access, `/subscriptions/${sub.id}/reauthorize`, { method: 'POST' })).status,
    ).toBe(204);
    expect((await graph(emu, access, `/subscriptions/${sub.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(
      (
        await graph(emu, access, `/subscriptions/${sub.id}`, {
          method: 'PATCH',
          body: { expirationDateTime: inMinutes(60) },
        })
      ).status,
    ).toBe(404);
  });

  it('refuses a webhook that echoes the encoded token, a lifetime over 4230 minutes and another tenant', async () => {
    const access = await token();
    hook.mode = 'encoded';
    const r = await subscribe(access);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/validation request failed/i);
    hook.mode = 'echo';
    expect((await subscribe(access, { expirationDateTime: inMinutes(4231) })).status).toBe(400);
    expect((await subscribe(access, { notificationUrl: 'http://example.com/hook' })).status).toBe(400);
    const ok = await subscribe(access);
    emu.control.consent('fabrikam');
    const other = await appToken(emu, FABRIKAM.id);
    expect((await graph(emu, other, `/subscriptions/${ok.body.id}`)).status).toBe(404);
  });

  it('delivers notifications for generated calls; the records page their sessions; Direct Routing rows page', async () => {
    const access = await token();
    const sub = (await subscribe(access)).body;
    await fetch(`${emu.urls.control}/call-records/settings`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ directRoutingPageSize: 3 }),
    });
    const gen = emu.control.generate({
      tenant: 'contoso',
      trunkFqdn: 'sbc1.contoso.example',
      calls: 3,
      failedCalls: 2,
      sessionsPerCall: 70,
      seed: 7,
    });
    const got = await eventually(() => hook.received.length === 3 && hook.received);
    expect(got.every((n) => n.path === '/notify')).toBe(true);
    const item = got[0]!.body.value[0];
    expect(item).toMatchObject({
      subscriptionId: sub.id,
      clientState: 'state-1',
      changeType: 'created',
      tenantId: CONTOSO.id,
    });
    expect(gen.records).toContain(item.resourceData.id);

    const rec = await graph(
      emu,
      access,
      `/communications/callRecords/${item.resourceData.id}?$expand=sessions($expand=segments)`,
    );
    expect(rec.status).toBe(200);
    expect(rec.body.sessions).toHaveLength(60);
    expect(rec.body.sessions[0].segments[0].media[0].streams).toHaveLength(2);
    const next = await fetch(rec.body['sessions@odata.nextLink'], {
      headers: { authorization: `Bearer ${access}` },
    });
    const page2 = (await next.json()) as any;
    expect(page2.value).toHaveLength(10);
    expect(page2['@odata.nextLink']).toBeUndefined();

    const from = new Date(Date.now() - 2 * 3_600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const rows: any[] = [];
    let url: string | undefined =
      `${emu.urls.graph}/communications/callRecords/getDirectRoutingCalls(fromDateTime=${from},toDateTime=${to})`;
    while (url) {
      const res: Response = await fetch(url, { headers: { authorization: `Bearer ${access}` } });
      expect(res.status).toBe(200);
      const b = (await res.json()) as any;
      rows.push(...b.value);
      url = b['@odata.nextLink'];
    }
    expect(rows).toHaveLength(5);
    expect(rows.filter((r) => !r.successfulCall)).toHaveLength(2);
    expect(rows.every((r) => r.trunkFullyQualifiedDomainName === 'sbc1.contoso.example')).toBe(true);
  });

  it('retries a failing or slow webhook with back-off, and sends lifecycle events to the lifecycle URL', async () => {
    const access = await token();
    const sub = (await subscribe(access)).body;
    emu.control.setCallRecordSettings({ retryBaseMs: 50, timeoutMs: 200 });
    hook.mode = 'fail-once';
    emu.control.generate({ tenant: 'contoso', trunkFqdn: 'sbc1.contoso.example', calls: 1, failedCalls: 0 });
    await eventually(() => hook.received.length === 1);
    const tries = (emu.control.deliveries() as Delivery[]).map((d) => [d.attempt, d.status]);
    expect(tries).toEqual([
      [1, 503],
      [2, 202],
    ]);
    hook.mode = 'slow-once';
    hook.failed = 0;
    emu.control.generate({ tenant: 'contoso', trunkFqdn: 'sbc1.contoso.example', calls: 1, failedCalls: 0 });
    await eventually(() => hook.received.length >= 2);
    expect(
      emu.control
        .deliveries()
        .slice(2)
        .map((d) => d.status),
    ).toContain(0);

    emu.control.lifecycle(sub.id, 'reauthorizationRequired');
    const life = await eventually(() => hook.received.find((r) => r.path === '/lifecycle'));
    expect(life.body.value[0]).toMatchObject({
      subscriptionId: sub.id,
      lifecycleEvent: 'reauthorizationRequired',
    });
  });

  it('refuses a token without CallRecords.Read.All (403) and no token (401)', async () => {
    const automation = await appToken(
      emu,
      CONTOSO.id,
      GRAPH_DEFAULT,
      'c0a7e7b1-3f5d-4b8e-9a26-5d1f0c3b7e42',
      'Ctso~own-app.secret-0001',
    );
    expect((await subscribe(automation)).status).toBe(403);
    expect((await graph(emu, automation, '/communications/callRecords/x')).status).toBe(403);
    expect((await graph(emu, null, '/communications/callRecords/x')).status).toBe(401);
    expect((await graph(emu, await token(), '/communications/callRecords/x')).status).toBe(404);
  });
});
