import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { startAudioCodesEmulator, type AudioCodesEmulator } from '@trunkline/emulator-audiocodes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus, type Client } from '../support/client.ts';
import {
  SBC_ADDRESSES,
  startRoutingEmulators,
  TSIG_KEY_NAME,
  watchTokenRequests,
  ZONE,
  type RoutingEmulators,
} from './routing-world.ts';
import {
  cleanUp,
  configureRouting,
  startApiAndWorkers,
  waitForJobsCompleted,
  type ApiAndWorkers,
} from './processes.ts';
import {
  createFreshDatabase,
  waitFor,
  WaitAborted,
  type FreshDatabase,
  type NodeProcess,
} from './support.ts';

/**
 * Crash safety of default routing: one API process and a worker process on one PostgreSQL database, three
 * services of one tenant onboarded at once, and the worker killed (SIGKILL) in the middle of each step, dns →
 * domain → activation → voice-routing, and started again each time. The run's lease lapses, the sweep of the
 * new worker sends the run a job, the interrupted step runs again from the actual state, and every service
 * ends active with exactly one of each object in Microsoft 365 and in the DNS zone.
 *
 * Microsoft 365 answers after 400 ms and the DNS server's answers are held back 300 ms (a proxy in front of the
 * DNS emulator), so each step takes a second or more. A kill comes right after a fresh attempt of the step
 * changed something outside (a DNS UPDATE; a Graph write on /domains or /users; a Teams admin write) while the
 * worker still waits for the answer or has not recorded it: the worst moment for a step that is not idempotent.
 */

const ADMIN = { email: 'admin@crash.test', password: 'crash tier admin password' };
const STEPS = ['dns', 'domain', 'activation', 'voice-routing'] as const;
type StepName = (typeof STEPS)[number];
const SHORT_NAMES = ['crash-a', 'crash-b', 'crash-c'];
const M365_LATENCY_MS = 400;
const DNS_DELAY_MS = 300;
/** No kill while a token exchange is under way or within this long after one (see watchTokenRequests). */
const TOKEN_QUIET_MS = 250;

type Service = { id: string; shortName: string; trunkFqdn: string };
type Running = { workflowId: string; serviceId: string; name: StepName; attempts: number };
type Marks = { dns: number; m365: number };

const keyOf = (r: Running) => `${r.workflowId}/${r.name}/${r.attempts}`;

describe('default routing survives a worker killed in the middle of each step', () => {
  let db: FreshDatabase | undefined;
  let world: RoutingEmulators | undefined;
  let tokens: ReturnType<typeof watchTokenRequests> | undefined;
  let watcher: pg.Client | undefined;
  let cluster: ApiAndWorkers | undefined;
  let worker: NodeProcess;
  let admin: Client;
  const services: Service[] = [];
  let before: ReturnType<typeof tenantState>;
  let sbc: AudioCodesEmulator | undefined;
  let sbcProxy: http.Server | undefined;
  let sbcBefore: ReturnType<AudioCodesEmulator['control']['tables']> | undefined;

  const emulators = () => world!;
  const tenantState = () => {
    const t = emulators().emu.control.tenant('contoso');
    return {
      domains: t.domains.map((d) => `${d.id}:${d.isVerified}`).sort(),
      users: t.users.map((u) => u.userPrincipalName).sort(),
      skus: t.subscribedSkus.map((s) => `${s.skuPartNumber}:${s.consumedUnits}`).sort(),
      teams: JSON.stringify(t.teams),
    };
  };
  const tails = () => (cluster?.processes ?? []).map((p) => p.tail(15)).join('\n');
  /** A new worker on the host of the one killed (its data directory). */
  const startWorker = () =>
    cluster!.startWorker({ name: `worker ${cluster!.processes.length}`, host: 'worker' });

  /** Steps marked running in the database (after a kill: the ones that were cut off). */
  async function running(): Promise<Running[]> {
    const { rows } = await watcher!.query<{
      workflow_id: string;
      service_id: string;
      name: StepName;
      attempts: number;
    }>(
      `select s.workflow_id, w.service_id, s.name, s.attempts
         from workflow_steps s join workflows w on w.id = s.workflow_id
        where w.kind = 'onboard' and s.status = 'running'`,
    );
    return rows.map((r) => ({
      workflowId: r.workflow_id,
      serviceId: r.service_id,
      name: r.name,
      attempts: r.attempts,
    }));
  }

  /** Stops waiting at once when a run failed: crash recovery must not end in a failed step. */
  async function abortOnFailure() {
    const { rows } = await watcher!.query<{ name: string; last_error: string | null }>(
      `select s.name, s.last_error from workflow_steps s join workflows w on w.id = s.workflow_id
        where w.kind = 'onboard' and (w.status = 'failed' or s.status = 'failed')`,
    );
    if (rows.length) throw new WaitAborted(`A routing run failed: ${JSON.stringify(rows)}\n${tails()}`);
  }

  const marks = (): Marks => ({
    dns: emulators().dns.requests.length,
    m365: emulators().emu.control.requests().length,
  });

  /** Changes a step of this kind made outside since `since`, as the emulators answered them. */
  function writesSince(step: StepName, since: Marks): number {
    if (step === 'dns')
      return emulators()
        .dns.requests.slice(since.dns)
        .filter((r) => r.opcode === 'UPDATE' && r.rcode === 'NOERROR').length;
    const served = emulators()
      .emu.control.requests()
      .slice(since.m365)
      .filter((r) => r.method !== 'GET' && r.status < 400);
    if (step === 'domain')
      return served.filter((r) => r.surface === 'graph' && r.path.includes('/domains')).length;
    if (step === 'activation')
      return served.filter((r) => r.surface === 'graph' && r.path.includes('/users')).length;
    return served.filter((r) => r.surface === 'teams').length;
  }

  beforeAll(async () => {
    // Without SYSTEM_DATABASE_URL this throws: the suite fails, it never skips.
    db = await createFreshDatabase('tl_crash');
    tokens = watchTokenRequests();
    world = await startRoutingEmulators({ dnsDelayMs: DNS_DELAY_MS });
    const emu = world;
    cluster = await startApiAndWorkers({
      name: 'crash',
      admin: ADMIN,
      env: {
        DATABASE_URL: db.url,
        ...world.microsoftEnv,
        ROUTING_RETRY_BASE_SECONDS: '1',
        ROUTING_LEASE_SECONDS: '3',
        ROUTING_SWEEP_SECONDS: '1',
        WORKER_CONCURRENCY: '4',
      },
      workers: [{ name: 'worker 1', host: 'worker' }],
      beforeStart: (publicUrl) => emu.allowRedirectsTo(publicUrl),
    });
    [worker] = cluster.workers as [NodeProcess];
    admin = cluster.admin;
    // Trunkline talks to the DNS server through the proxy that holds its answers back.
    await configureRouting(admin, {
      zone: ZONE,
      sbcAddresses: SBC_ADDRESSES,
      dnsServer: world.proxy.address,
      keyName: TSIG_KEY_NAME,
      secret: world.tsigSecret,
    });
    const customerId = expectStatus(
      await admin.post('/api/v1/customers', { name: 'Crash customer' }),
      201,
    ).id;
    for (const shortName of SHORT_NAMES) {
      const svc = expectStatus(
        await admin.post('/api/v1/services', {
          customerId,
          type: 'direct-routing',
          fullName: `Crash ${shortName}`,
          shortName,
          licenseType: 'hosted-essentials-plus',
          licensedUsers: 5,
          adminAuth: { method: 'credentials', ...world.admins.contoso },
        }),
        201,
      );
      expect(svc.connection.state, svc.connection.message).toBe('connected');
      services.push(svc);
    }
    // The Teams-role check each connection queued refreshes the admin's token on the worker: let it finish
    // before any kill, so that no kill falls into it.
    await waitForJobsCompleted(db.url, 'connection.teams-role', services.length, {
      timeoutMs: 30_000,
      context: tails,
    });
    before = tenantState();
    watcher = new pg.Client({ connectionString: db.url });
    await watcher.connect();
  });

  afterAll(() =>
    // Processes first (they hold connections), then the database and the emulators.
    cleanUp([
      () => cluster?.stop(),
      () => new Promise((r) => (sbcProxy ? sbcProxy.close(r) : r(undefined))),
      () => sbc?.stop(),
      () => watcher?.end(),
      () => db?.drop(),
      () => world?.stop(),
      () => tokens?.stop(),
    ]),
  );

  it('kills the worker in each step; every service completes with exactly one of each object', async () => {
    const started = Date.now();
    const w = emulators();
    w.emu.control.setFaults({ latencyMs: M365_LATENCY_MS, errorRate: 0, surfaces: ['graph', 'teams'] });
    for (const svc of services)
      expectStatus(await admin.post(`/api/v1/services/${svc.id}/routing`, { configureDns: true }), 202);

    // The kill loop: per step, wait for a fresh attempt of it (not one cut off before) that changed something
    // outside, kill the worker, read which steps were cut off, start a new worker.
    const interrupted = new Map<string, Running>();
    const kills: { target: StepName; atMs: number; cut: string[] }[] = [];
    for (const step of STEPS) {
      for (let round = 1; ; round++) {
        if (round > 3) throw new Error(`The ${step} step was never cut off in 3 kills.\n${tails()}`);
        let since: Marks | null = null;
        await waitFor(
          `a fresh attempt of the ${step} step to change something, with no token exchange under way`,
          async () => {
            if (!worker.running) throw new WaitAborted(`${worker.name} died.\n${worker.tail()}`);
            await abortOnFailure();
            const fresh = (await running()).filter((r) => r.name === step && !interrupted.has(keyOf(r)));
            if (!fresh.length) {
              since = null;
              return false;
            }
            since ??= marks();
            return writesSince(step, since) > 0 && tokens!.quietFor(TOKEN_QUIET_MS);
          },
          { timeoutMs: 45_000, intervalMs: 20, context: () => `${tokens!.describe()}\n${tails()}` },
        );
        worker.child.kill('SIGKILL');
        expect(await worker.exited).toEqual({ code: null, signal: 'SIGKILL' });
        const cut = (await running()).filter((r) => !interrupted.has(keyOf(r)));
        for (const r of cut) interrupted.set(keyOf(r), r);
        kills.push({
          target: step,
          atMs: Date.now() - started,
          cut: cut.map(
            (r) => `${services.find((s) => s.id === r.serviceId)?.shortName}:${r.name}#${r.attempts}`,
          ),
        });
        worker = await startWorker();
        if (cut.some((r) => r.name === step)) break;
      }
    }
    console.info(`routing-crash kills: ${JSON.stringify(kills)}`);
    const caught = new Set([...interrupted.values()].map((r) => r.name));
    expect([...caught].sort(), JSON.stringify(kills)).toEqual([...STEPS].sort());

    // Every run finishes on its own: lease lapsed, swept, the cut-off steps run again.
    await waitFor(
      'every routing run to succeed and every service to be active',
      async () => {
        await abortOnFailure();
        for (const svc of services) {
          const run = expectStatus(await admin.get(`/api/v1/services/${svc.id}/routing`), 200);
          if (run.status !== 'succeeded') return false;
          if (expectStatus(await admin.get(`/api/v1/services/${svc.id}`), 200).status !== 'active')
            return false;
        }
        return true;
      },
      { timeoutMs: 90_000, intervalMs: 250, context: tails },
    );
    console.info(`routing-crash: all runs succeeded after ${Date.now() - started} ms`);

    // Each cut-off step ran again after its crash and succeeded.
    const { rows: final } = await watcher!.query<{
      workflow_id: string;
      name: string;
      status: string;
      attempts: number;
    }>(`select workflow_id, name, status, attempts from workflow_steps`);
    for (const r of interrupted.values()) {
      const now = final.find((f) => f.workflow_id === r.workflowId && f.name === r.name)!;
      expect(now.status).toBe('succeeded');
      expect(now.attempts, `${keyOf(r)} ran again`).toBeGreaterThan(r.attempts);
    }

    // Microsoft 365: one of each object per service.
    const tenant = w.emu.control.tenant('contoso');
    const count = <T>(list: T[], match: (x: T) => boolean) => list.filter(match).length;
    const same = (a: unknown, b: string) => String(a).toLowerCase() === b.toLowerCase();
    expect(count(tenant.teams.OnlinePstnUsages, (u) => same(u, 'Trunkline'))).toBe(1);
    const routes = tenant.teams.OnlineVoiceRoute.filter((r) => same(r.Identity, 'Trunkline'));
    expect(routes).toHaveLength(1);
    const gateways = routes[0]!.OnlinePstnGatewayList as string[];
    expect(gateways).toHaveLength(services.length);
    const policies = tenant.teams.OnlineVoiceRoutingPolicy.filter((p) =>
      String(p.Identity).toLowerCase().endsWith('unrestricted'),
    );
    expect(policies).toHaveLength(1);
    expect(count(policies[0]!.OnlinePstnUsages as string[], (u) => same(u, 'Trunkline'))).toBe(1);
    const records = w.dns.records(ZONE);
    for (const { trunkFqdn: fqdn } of services) {
      const domains = tenant.domains.filter((d) => same(d.id, fqdn));
      expect(domains, fqdn).toHaveLength(1);
      expect(domains[0]!.isVerified, fqdn).toBe(true);
      const users = tenant.users.filter((u) => u.userPrincipalName.toLowerCase().endsWith(`@${fqdn}`));
      expect(
        users.map((u) => u.userPrincipalName),
        fqdn,
      ).toEqual([`trunkline-activation@${fqdn}`]);
      expect(users[0]!.assignedLicenses, fqdn).toHaveLength(1);
      expect(
        count(gateways, (g) => same(g, fqdn)),
        fqdn,
      ).toBe(1);

      // DNS: one A, one AAAA (the SBC addresses) and one MS=ms… TXT record at the trunk name.
      const at = records.filter((r) => same(r.name, fqdn));
      expect(at.filter((r) => r.type === 'A').map((r) => r.value)).toEqual([SBC_ADDRESSES[0]]);
      expect(at.filter((r) => r.type === 'AAAA').map((r) => r.value)).toEqual([SBC_ADDRESSES[1]]);
      expect(
        at.filter((r) => r.type === 'TXT').map((r) => r.value),
        fqdn,
      ).toEqual([expect.stringMatching(/^MS=ms/)]);
      expect(at.map((r) => r.type).sort(), fqdn).toEqual(['A', 'AAAA', 'TXT']);
    }
    // Nothing else was added to the tenant: three domains, three activation users, three licences.
    expect(tenant.created.domains.map((d) => d.id).sort()).toEqual(
      services.map((s) => s.trunkFqdn.toLowerCase()).sort(),
    );
    expect(tenant.created.users).toHaveLength(services.length);
    const consumed = (state: ReturnType<typeof tenantState>) =>
      state.skus.reduce((n, s) => n + Number(s.split(':')[1]), 0);
    expect(consumed(tenantState()) - consumed(before)).toBe(services.length);
  });

  // Goes on from the services the crash test onboarded: Configure SBC ("SBC only" runs) on an AudioCodes Mediant
  // (the emulator) behind a proxy that holds the answer to saveConfiguration back, so the device has accepted the
  // incremental INI while the worker still waits. The worker is killed then: the step checkpointed its record
  // (and claimed its indexes) before the upload, so the run after the crash reads the device, finds the rows and
  // writes nothing; every row exists exactly once.
  it('kills the worker after the SBC accepted the upload, before the step recorded it: one copy of each row', async () => {
    sbc = await startAudioCodesEmulator({
      users: [{ username: 'trunkline', password: 'crash-sbc', privilege: 'admin' }],
    });
    sbcBefore = sbc.control.tables();
    const device = new URL(sbc.url);
    sbcProxy = http.createServer((req, res) => {
      const hold = req.method === 'POST' && req.url === '/api/v1/actions/saveConfiguration' ? 1500 : 0;
      const up = http.request(
        { host: device.hostname, port: device.port, path: req.url, method: req.method, headers: req.headers },
        (answer) =>
          setTimeout(() => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          }, hold),
      );
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    await new Promise<void>((r) => sbcProxy!.listen(0, '127.0.0.1', r));
    const proxyUrl = `http://127.0.0.1:${(sbcProxy.address() as AddressInfo).port}`;
    expectStatus(
      await admin.post('/api/v1/sbcs', {
        name: 'Crash Mediant',
        kind: 'audiocodes',
        managementUrl: proxyUrl,
        username: 'trunkline',
        password: 'crash-sbc',
        carrierFqdn: ZONE,
        addresses: SBC_ADDRESSES,
        model: 'shared-trunk',
        isDefault: true,
      }),
      201,
    );
    const ranges = services.map((_, n) => [`+4930${n}00`, `+4930${n}11[000-999]`]);
    for (const [n, svc] of services.entries())
      expectStatus(
        await admin.put(`/api/v1/services/${svc.id}/number-ranges`, {
          ranges: ranges[n]!.map((range) => ({ range })),
        }),
        200,
      );
    const uploads = () =>
      sbc!.control.requests.filter(
        (r) => r.method === 'PUT' && r.path === '/api/v1/files/ini/incremental' && r.status === 200,
      ).length;
    for (const svc of services)
      expectStatus(await admin.post(`/api/v1/services/${svc.id}/sbc`, { confirm: true }), 202);

    // Kill once the device accepted an upload while a fresh attempt of the step is still running.
    const sbcRunning = async () => (await running()).filter((r) => (r.name as string) === 'configure-sbc');
    await waitFor(
      'the SBC to accept an upload while the configure-sbc step still runs',
      async () => {
        if (!worker.running) throw new WaitAborted(`${worker.name} died.\n${worker.tail()}`);
        await abortOnFailure();
        return uploads() > 0 && (await sbcRunning()).length > 0;
      },
      { timeoutMs: 45_000, intervalMs: 20, context: tails },
    );
    worker.child.kill('SIGKILL');
    expect(await worker.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const cut = await sbcRunning();
    expect(cut.length, 'a configure-sbc step was cut off').toBeGreaterThan(0);
    worker = await startWorker();

    await waitFor(
      'every SBC run to succeed',
      async () => {
        await abortOnFailure();
        for (const svc of services) {
          const run = expectStatus(await admin.get(`/api/v1/services/${svc.id}/routing`), 200);
          if (run.status !== 'succeeded') return false;
        }
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 250, context: tails },
    );
    const { rows: after } = await watcher!.query<{ workflow_id: string; status: string; attempts: number }>(
      `select workflow_id, status, attempts from workflow_steps where name = 'configure-sbc'`,
    );
    for (const c of cut) {
      const now = after.find((a) => a.workflow_id === c.workflowId)!;
      expect(now.status).toBe('succeeded');
      expect(now.attempts, 'the cut-off step ran again').toBeGreaterThan(c.attempts);
    }

    // Exactly one copy of each row: per service one dial-plan row per range and one admission profile and rule.
    const tables = sbc.control.tables();
    for (const [n, svc] of services.entries()) {
      const dial = (tables.DialPlanRule ?? []).filter((r) => r.values.Tag === svc.trunkFqdn);
      expect(dial.map((r) => r.values.Prefix).sort(), svc.shortName).toEqual([...ranges[n]!].sort());
      expect(
        (tables.SBCAdmissionProfile ?? []).filter((r) => r.values.Name === `CAC_${svc.shortName}`),
      ).toHaveLength(1);
      expect(
        (tables.SBCAdmissionRule ?? []).filter((r) => r.values.AdmissionProfile === `CAC_${svc.shortName}`),
      ).toHaveLength(1);
    }
    // Each customer's fragment went up once: the run after the kill read the device and sent nothing again.
    expect(uploads()).toBe(services.length);
    const added = (tables.DialPlanRule ?? []).length - (sbcBefore.DialPlanRule ?? []).length;
    expect(added).toBe(ranges.flat().length);
    const { rows: held } = await watcher!.query<{ n: number }>(
      `select count(*)::int as n from sbc_allocations`,
    );
    expect(held[0]!.n).toBe(ranges.flat().length + 2 * services.length);
  });

  // Goes on from the services the crash test onboarded. The domain step records that Trunkline created the
  // domain only when the step ends; a crash after POST /domains loses that, the run after it finds the domain
  // and records createdDomain: false, and Remove service then leaves the domain in the customer's tenant.
  it('Remove service afterwards removes everything Trunkline created, even where a crash cut a step off', async () => {
    const w = emulators();
    w.emu.control.setFaults({ latencyMs: 0 });
    w.proxy.setDelay(0);
    const domainSteps: string[] = [];
    for (const svc of services) {
      expectStatus(
        await admin.post(`/api/v1/services/${svc.id}/offboarding`, { confirmShortName: svc.shortName }),
        202,
      );
      const run = await waitFor(
        `the offboarding of ${svc.shortName} to finish`,
        async () => {
          const r = expectStatus(await admin.get(`/api/v1/services/${svc.id}/routing`), 200);
          return r.kind === 'offboard' && (r.status === 'succeeded' || r.status === 'failed') && r;
        },
        { timeoutMs: 30_000, intervalMs: 200, context: tails },
      );
      expect(run.status, JSON.stringify(run.steps)).toBe('succeeded');
      const step = run.steps.find((x: { name: string }) => x.name === 'domain');
      domainSteps.push(`${svc.shortName}: ${step?.message}`);
    }
    // The tenant and the zone are as before onboarding.
    const after = tenantState();
    expect(
      after.domains,
      `domains left in the tenant; the domain steps said: ${domainSteps.join(' | ')}`,
    ).toEqual(before.domains);
    expect(after).toEqual(before);
    expect(
      w.dns.records(ZONE).filter((r) => services.some((s) => r.name.toLowerCase() === s.trunkFqdn)),
    ).toEqual([]);
    // The SBC holds none of the customers' rows any more: its tables are as before Configure SBC.
    expect(sbc!.control.tables()).toEqual(sbcBefore);
  });
});
