import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, expectStatus } from '../support/client.ts';
import {
  crashSeed,
  prng,
  SBC_ADDRESSES,
  SBC_USER,
  startPointsWorld,
  TSIG_KEY_NAME,
  ZONE,
  type Call,
  type PointsWorld,
} from './crash-points-world.ts';
import {
  createFreshDatabase,
  freePort,
  NodeProcess,
  tempDir,
  waitFor,
  WaitAborted,
  waitForReady,
  withClient,
  type FreshDatabase,
} from './support.ts';

/**
 * Crash safety at 50 random points (issue #14). An API process and a worker process on one PostgreSQL database;
 * twelve services of two customers (eight in one tenant, four in another) onboarded with "Routing + SBC" (DNS,
 * domain, activation user, voice routing, Configure SBC on an AudioCodes Mediant), and, as soon as each is active,
 * eight of them offboarded (all four of the second tenant, so its shared Teams objects go too, and four of the
 * first); one leaving service of each tenant starts first, the other ten when the first offboarding starts. Meanwhile the worker is killed with SIGKILL at 50 points and started again each time.
 *
 * The points come from a seeded PRNG (the seed is printed; `CRASH_SEED=<seed>` replays the same points): each is
 * either the n-th call (n random) any emulator answers after the new worker is up, so kills spread over every
 * step in proportion to the calls it makes, or the k-th write that changes a device (a Graph or Teams write, a
 * DNS UPDATE, an SBC upload or save), killed synchronously as the device answers and before the worker can read
 * the answer: the worst moment for a step that is not idempotent. `CRASH_POINTS` changes the number of kills.
 *
 * In the end every workflow succeeded (onboarded services active, offboarded ones removed), the emulators hold
 * exactly one of each object for the kept services (domain, activation user and its licence, its trunk on the
 * route, usage, route, policy, DNS records, SBC rows) and none for the removed ones, and the audit trail names each
 * start and each completion once.
 *
 * Kills fall anywhere, token requests included: the M365 emulator runs with Entra's documented refresh-token
 * behaviour here (a redeemed one stays valid; `refreshTokenReuse`), so a worker killed after Entra handed it a new
 * refresh token and before it stored it goes on with the stored one, as it would against Microsoft. (A gate that
 * held kills back while a token was handed out and not yet stored still let one through: a request in the
 * socket's buffer when the worker died, which the emulator answered after the kill; AADSTS70008 once.)
 */

const MAIN = 'apps/server/src/main.ts';
const GATE = './apps/server/test/system/crash-points-gate.ts';
const ADMIN = { email: 'admin@points.test', password: 'crash points admin password' };
const KILLS = Number(process.env.CRASH_POINTS ?? 50);
/** Calls between kills: uniform in 1..2·MEAN_GAP-1 (tuned so that 50 kills spread over the whole run). */
const MEAN_GAP = 4;
/** Share of kills placed right after a device write rather than after a number of calls. */
const WRITE_SHARE = 0.35;
const M365_LATENCY_MS = 20;
const DNS_DELAY_MS = 60;

type TenantName = 'contoso' | 'tailspin';
type Spec = { shortName: string; tenant: TenantName; offboard: boolean; ranges: string[] };
const SPECS: Spec[] = [
  { shortName: 'pts-a1', tenant: 'contoso', offboard: false, ranges: ['+4940100', '+494011[000-999]'] },
  { shortName: 'pts-a2', tenant: 'contoso', offboard: false, ranges: ['+4940200'] },
  { shortName: 'pts-a3', tenant: 'contoso', offboard: true, ranges: ['+4940300', '+494031[000-499]'] },
  { shortName: 'pts-b1', tenant: 'tailspin', offboard: true, ranges: ['+4940400'] },
  { shortName: 'pts-b2', tenant: 'tailspin', offboard: true, ranges: ['+494051[000-999]'] },
  // Enough work that 50 kills fit on an idle machine too: five services ran out after 30 kills there, nine after
  // 46 in one of three runs (a kill costs 15-20 calls of work: the worker's restart and token refreshes).
  { shortName: 'pts-a4', tenant: 'contoso', offboard: false, ranges: ['+4940600'] },
  { shortName: 'pts-a5', tenant: 'contoso', offboard: true, ranges: ['+494071[000-499]'] },
  { shortName: 'pts-b3', tenant: 'tailspin', offboard: true, ranges: ['+4940800'] },
  // Every service of the second tenant leaves, so its shared Teams objects must go too: with a kill in a joining
  // service's voice-routing step right after its route write (its record naming only the route), the claims on
  // the usage and the policy once reached nobody and the last one to leave left them (seed 670662358; fixed).
  { shortName: 'pts-b4', tenant: 'tailspin', offboard: true, ranges: ['+494091[000-999]'] },
  { shortName: 'pts-a6', tenant: 'contoso', offboard: true, ranges: ['+4941000'] },
  { shortName: 'pts-a7', tenant: 'contoso', offboard: true, ranges: ['+494111[000-499]'] },
  { shortName: 'pts-a8', tenant: 'contoso', offboard: false, ranges: ['+4941200'] },
];

type Service = Spec & { id: string; trunkFqdn: string };
type Point = { kind: 'calls' | 'write'; n: number };
type Kill = { n: number; point: string; atMs: number; call: string; cut: string[]; restartMs?: number };

describe('routing and offboarding survive the worker killed at 50 random points', () => {
  let db: FreshDatabase | undefined;
  let world: PointsWorld | undefined;
  let watcher: pg.Client | undefined;
  const dirs: ReturnType<typeof tempDir>[] = [];
  const processes: NodeProcess[] = [];
  let workerEnv: Record<string, string>;
  let worker: NodeProcess;
  let admin: Client;
  const services: Service[] = [];
  const before = new Map<TenantName, ReturnType<typeof tenantState>>();
  let sbcBefore: ReturnType<PointsWorld['sbc']['control']['tables']>;
  const seed = crashSeed(process.env.CRASH_SEED);

  const w = () => world!;
  const tenantState = (name: TenantName) => {
    const t = w().emu.control.tenant(name);
    return {
      domains: t.domains.map((d) => `${d.id}:${d.isVerified}`).sort(),
      users: t.users.map((u) => u.userPrincipalName).sort(),
      skus: t.subscribedSkus.map((s) => `${s.skuPartNumber}:${s.consumedUnits}`).sort(),
      teams: JSON.stringify(t.teams),
    };
  };
  /** The runs as the orchestrator last read them, for failure messages. */
  let snapshot = '';
  const tails = () =>
    [snapshot, ...[processes[0], ...processes.slice(-3)].map((p) => p?.tail(15))].join('\n');
  async function readSnapshot() {
    const { rows } = await watcher!.query<Record<string, unknown>>(
      `select w.service_id, w.kind, w.status as run, s.name, s.status, s.attempts, s.next_attempt_at,
              s.message, s.last_error
         from workflow_steps s join workflows w on w.id = s.workflow_id order by w.created_at, s.position`,
    );
    snapshot = rows
      .map((r) =>
        JSON.stringify({ ...r, service_id: services.find((x) => x.id === r.service_id)?.shortName }),
      )
      .join('\n');
  }

  /**
   * A worker process with its modules loaded, waiting at the gate (crash-points-gate.ts) until it is released:
   * the next worker is made ready while the current one works, so a restart after a kill costs what starting
   * Trunkline costs, not the seconds of loading its modules on a busy machine.
   */
  function spawnSpare(): NodeProcess {
    const proc = new NodeProcess(`worker ${processes.length}`, ['--import', GATE, MAIN, 'worker'], workerEnv);
    processes.push(proc);
    return proc;
  }
  let spare: NodeProcess | undefined;

  /** Releases the spare (spawning one if there is none), waits until it has started, and prepares the next. */
  async function startWorker(): Promise<NodeProcess> {
    const proc = spare ?? spawnSpare();
    spare = undefined;
    await waitFor(
      `${proc.name} to load its modules`,
      () => {
        if (!proc.running) throw new WaitAborted(`${proc.name} exited.\n${proc.tail()}`);
        return proc.output.includes('crash-points gate: ready');
      },
      { timeoutMs: 60_000, intervalMs: 20, context: () => proc.tail() },
    );
    proc.child.kill('SIGUSR2');
    await waitFor(
      `${proc.name} to log "Trunkline started"`,
      () => {
        if (!proc.running) throw new WaitAborted(`${proc.name} exited.\n${proc.tail()}`);
        return proc.logs().some((l) => l.msg === 'Trunkline started');
      },
      { timeoutMs: 60_000, intervalMs: 20, context: () => proc.tail() },
    );
    spare = spawnSpare();
    return proc;
  }

  /** Steps marked running in the database, as `<service>:<kind>:<step>`. */
  async function running(): Promise<string[]> {
    const { rows } = await watcher!.query<{ service_id: string; kind: string; name: string }>(
      `select w.service_id, w.kind, s.name from workflow_steps s join workflows w on w.id = s.workflow_id
        where s.status = 'running'`,
    );
    return rows.map((r) => `${services.find((s) => s.id === r.service_id)?.shortName}:${r.kind}:${r.name}`);
  }

  /** Crash recovery must never end in a failed step: stop waiting at once when one did. */
  async function abortOnFailure() {
    const { rows } = await watcher!.query<{ kind: string; name: string; last_error: string | null }>(
      `select w.kind, s.name, s.last_error from workflow_steps s join workflows w on w.id = s.workflow_id
        where s.status = 'failed' or (w.status = 'failed' and s.last_error is not null)`,
    );
    if (rows.length) throw new WaitAborted(`A routing run failed: ${JSON.stringify(rows)}\n${tails()}`);
  }

  beforeAll(async () => {
    // Without SYSTEM_DATABASE_URL this throws: the suite fails, it never skips.
    db = await createFreshDatabase('tl_points');
    world = await startPointsWorld({ dnsDelayMs: DNS_DELAY_MS, replicationSeconds: 1 });
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    world.allowRedirectsTo(publicUrl);

    const apiDir = tempDir('trunkline-points-api');
    const workerDir = tempDir('trunkline-points-worker');
    dirs.push(apiDir, workerDir);
    const common = {
      DATABASE_URL: db.url,
      MASTER_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'info',
      PUBLIC_URL: publicUrl,
      TRUNKLINE_ADMIN_EMAIL: ADMIN.email,
      TRUNKLINE_ADMIN_PASSWORD: ADMIN.password,
      ...world.microsoftEnv,
      ROUTING_RETRY_BASE_SECONDS: '1',
      ROUTING_LEASE_SECONDS: '2',
      ROUTING_SWEEP_SECONDS: '1',
      WORKER_CONCURRENCY: '4',
      WORKER_POLL_SECONDS: '1',
    };
    workerEnv = { ...common, DATA_DIR: workerDir.dir };
    const api = new NodeProcess('api', [MAIN, 'api'], {
      ...common,
      DATA_DIR: apiDir.dir,
      PORT: String(port),
      HOST: '127.0.0.1',
    });
    processes.push(api);
    [, worker] = await Promise.all([waitForReady(api, publicUrl), startWorker()]);

    admin = new Client(publicUrl, publicUrl);
    await admin.login(ADMIN.email, ADMIN.password);
    const current = expectStatus(await admin.get('/api/v1/settings/routing'), 200);
    const { dnsSecretSet: _set, saved: _saved, ...rest } = current;
    expectStatus(
      await admin.put('/api/v1/settings/routing', {
        ...rest,
        sbcBaseDomain: ZONE,
        sbcAddresses: SBC_ADDRESSES,
        dns: { kind: 'rfc2136', server: world.proxy.address, keyName: TSIG_KEY_NAME },
        dnsSecret: world.tsigSecret,
      }),
      200,
    );
    expectStatus(
      await admin.post('/api/v1/sbcs', {
        name: 'Points Mediant',
        kind: 'audiocodes',
        managementUrl: world.sbc.url,
        ...SBC_USER,
        carrierFqdn: ZONE,
        addresses: SBC_ADDRESSES,
        model: 'shared-trunk',
        isDefault: true,
      }),
      201,
    );
    const customers = new Map<TenantName, string>();
    for (const tenant of ['contoso', 'tailspin'] as const)
      customers.set(
        tenant,
        expectStatus(await admin.post('/api/v1/customers', { name: `Points ${tenant}` }), 201).id,
      );
    for (const spec of SPECS) {
      const svc = expectStatus(
        await admin.post('/api/v1/services', {
          customerId: customers.get(spec.tenant),
          type: 'direct-routing',
          fullName: `Points ${spec.shortName}`,
          shortName: spec.shortName,
          licenseType: 'hosted-essentials-plus',
          licensedUsers: 5,
          adminAuth: { method: 'credentials', ...world.admins[spec.tenant] },
        }),
        201,
      );
      expect(svc.connection.state, svc.connection.message).toBe('connected');
      expectStatus(
        await admin.put(`/api/v1/services/${svc.id}/number-ranges`, {
          ranges: spec.ranges.map((range) => ({ range })),
        }),
        200,
      );
      services.push({ ...spec, id: svc.id, trunkFqdn: svc.trunkFqdn });
    }
    // The Teams-role check each connection queued refreshes the admin's token on the worker: let it finish
    // before any kill.
    await waitFor(
      'the connection.teams-role jobs to complete',
      () =>
        withClient(db!.url, async (c) => {
          const { rows } = await c.query<{ state: string }>(
            `select state from pgboss.job where name = 'connection.teams-role'`,
          );
          return rows.length === services.length && rows.every((r) => r.state === 'completed');
        }),
      { timeoutMs: 30_000, intervalMs: 250, context: tails },
    );
    for (const t of ['contoso', 'tailspin'] as const) before.set(t, tenantState(t));
    sbcBefore = world.sbc.control.tables();
    watcher = new pg.Client({ connectionString: db.url });
    await watcher.connect();
  });

  afterAll(async () => {
    const errors: unknown[] = [];
    const attempt = async (what: () => Promise<unknown> | unknown) => {
      try {
        await what();
      } catch (e) {
        errors.push(e);
      }
    };
    for (const proc of processes) await attempt(() => proc.stop());
    await attempt(() => watcher?.end());
    await attempt(() => db?.drop());
    await attempt(() => world?.stop());
    for (const dir of dirs) await attempt(() => dir.remove());
    if (errors.length) throw new AggregateError(errors, 'cleanup failed');
  });

  it(`kills the worker at ${KILLS} random points; every run ends done with exactly one of each object`, async () => {
    const started = Date.now();
    const rand = prng(seed);
    const points: Point[] = Array.from({ length: KILLS }, () =>
      rand() < WRITE_SHARE
        ? { kind: 'write', n: 1 + Math.floor(rand() * 2) }
        : { kind: 'calls', n: 1 + Math.floor(rand() * (2 * MEAN_GAP - 1)) },
    );
    console.info(`crash-points: seed ${seed} (CRASH_SEED=${seed} replays these ${KILLS} points)`);
    w().emu.control.setFaults({ latencyMs: M365_LATENCY_MS, errorRate: 0, surfaces: ['graph', 'teams'] });
    const callsAtStart = w().tap.calls.length;

    const onboard = async (svc: Service) =>
      expectStatus(
        await admin.post(`/api/v1/services/${svc.id}/routing`, { configureDns: true, configureSbc: true }),
        202,
      );
    // One leaving service of each tenant starts first, the other ten once the first offboarding has started: with
    // all twelve at once, the onboardings took every kill of a run on a loaded machine (load 16) and none fell in
    // an offboarding; with the eight leaving ones first, the first offboarding came at the 42nd kill.
    const first = (['contoso', 'tailspin'] as const).map((t) =>
      services.find((s) => s.offboard && s.tenant === t)!,
    );
    for (const svc of first) await onboard(svc);
    let restStarted = false;

    // The orchestrator: offboards each service to remove as soon as its onboarding succeeded, while the others
    // are still onboarding (in its tenant too: their voice-routing steps take turns on the tenant's shared Teams
    // objects); done when every onboarding and offboarding succeeded.
    const offboardStarted = new Set<string>();
    let finished = false;
    let orchestratorError: unknown;
    const orchestrator = (async () => {
      for (;;) {
        await abortOnFailure();
        await readSnapshot();
        const runs = new Map<string, { kind: string; status: string } | null>();
        for (const svc of services)
          runs.set(svc.id, expectStatus(await admin.get(`/api/v1/services/${svc.id}/routing`), 200));
        const onboarded = (svc: Service) =>
          runs.get(svc.id)?.kind === 'offboard' ||
          (runs.get(svc.id)?.kind === 'onboard' && runs.get(svc.id)?.status === 'succeeded');
        let done = true;
        for (const svc of services) {
          const run = runs.get(svc.id);
          if (!svc.offboard) {
            if (!onboarded(svc)) done = false;
            continue;
          }
          if (onboarded(svc) && !offboardStarted.has(svc.id) && run?.kind === 'onboard') {
            expectStatus(
              await admin.post(`/api/v1/services/${svc.id}/offboarding`, { confirmShortName: svc.shortName }),
              202,
            );
            offboardStarted.add(svc.id);
            if (!restStarted) {
              restStarted = true;
              for (const other of services.filter((s) => !first.includes(s))) await onboard(other);
            }
          }
          if (!(run?.kind === 'offboard' && run.status === 'succeeded')) done = false;
        }
        if (done) return;
        await new Promise((r) => setTimeout(r, 200));
      }
    })().then(
      () => {
        finished = true;
      },
      (e: unknown) => {
        orchestratorError = e;
        finished = true;
      },
    );

    // The kill loop: per point, count the calls (or device writes) answered since the new worker was up; when
    // the point is reached, SIGKILL the worker at once (in the emulator's answer callback: after the device
    // changed, before the worker read the answer), read which steps it cut off, start a new worker.
    const kills: Kill[] = [];
    for (const [i, point] of points.entries()) {
      if (finished) break;
      const current = worker;
      let counted = 0;
      let killedBy: Call | null = null;
      let last: Call | null = null;
      const tryKill = () => {
        if (killedBy || !current.running || counted < point.n) return;
        current.child.kill('SIGKILL');
        killedBy = last;
      };
      const unsubscribe = w().tap.onCall((call) => {
        if (point.kind === 'calls' || call.write) {
          counted++;
          last = call;
        }
        tryKill();
      });
      try {
        await waitFor(
          `kill point ${i + 1} (${point.n} ${point.kind})`,
          () => {
            if (finished) return 'finished';
            if (killedBy) return 'killed';
            if (!current.running)
              throw new WaitAborted(`${current.name} died on its own.\n${current.tail()}`);
            return false;
          },
          { timeoutMs: 60_000, intervalMs: 10, context: tails },
        );
      } finally {
        unsubscribe();
      }
      if (!killedBy) break;
      expect(await current.exited).toEqual({ code: null, signal: 'SIGKILL' });
      const call = killedBy as Call;
      kills.push({
        n: i + 1,
        point: `${point.n} ${point.kind}`,
        atMs: Date.now() - started,
        call: `${call.device} ${call.method} ${call.path} ${call.status}`,
        cut: await running(),
      });
      const restarting = Date.now();
      worker = await startWorker();
      kills.at(-1)!.restartMs = Date.now() - restarting;
      console.info(`crash-points kill ${JSON.stringify(kills.at(-1))}`);
    }

    await waitFor(
      'every onboarding and offboarding to succeed',
      async () => {
        await abortOnFailure();
        return finished;
      },
      { timeoutMs: 120_000, intervalMs: 250, context: tails },
    );
    await orchestrator;
    if (orchestratorError) throw orchestratorError as Error;
    console.info(`crash-points kills: ${JSON.stringify(kills)}`);
    const elapsed = Date.now() - started;
    const cutSteps = kills.flatMap((k) => k.cut.map((c) => c.split(':').slice(1).join(':')));
    const histogram: Record<string, number> = {};
    for (const s of cutSteps) histogram[s] = (histogram[s] ?? 0) + 1;
    console.info(
      `crash-points: ${kills.length} kills (${kills.filter((k) => k.point.endsWith('write')).length} right after a ` +
        `device write), ${w().tap.calls.length - callsAtStart} emulator calls, all runs done after ${elapsed} ms; ` +
        `steps cut off: ${JSON.stringify(histogram)}`,
    );
    // All 50 points landed while work was under way, in onboarding and in offboarding.
    expect(kills.length, `the run ended after ${kills.length} of ${KILLS} kills`).toBe(KILLS);
    if (KILLS >= 10) {
      expect(cutSteps.some((s) => s.startsWith('onboard:'))).toBe(true);
      expect(cutSteps.some((s) => s.startsWith('offboard:'))).toBe(true);
    }

    // Every workflow succeeded, every step too; the services are active or removed.
    const { rows: runs } = await watcher!.query<{ service_id: string; kind: string; status: string }>(
      `select service_id, kind, status from workflows`,
    );
    for (const svc of services) {
      const mine = runs.filter((r) => r.service_id === svc.id);
      expect(mine.map((r) => `${r.kind}:${r.status}`).sort(), svc.shortName).toEqual(
        svc.offboard ? ['offboard:succeeded', 'onboard:succeeded'] : ['onboard:succeeded'],
      );
      expect(expectStatus(await admin.get(`/api/v1/services/${svc.id}`), 200).status, svc.shortName).toBe(
        svc.offboard ? 'removed' : 'active',
      );
    }
    const { rows: unfinished } = await watcher!.query(
      `select name, status from workflow_steps where status not in ('succeeded', 'skipped')`,
    );
    expect(unfinished).toEqual([]);

    // The audit trail: each start and each completion once, whatever was run again.
    const { rows: audit } = await watcher!.query<{ action: string; target_id: string }>(
      `select action, target_id from audit_events where action like 'routing.%' or action like 'sbc.%'`,
    );
    for (const svc of services) {
      const actions = audit
        .filter((a) => a.target_id === svc.id)
        .map((a) => a.action)
        .sort();
      expect(actions, svc.shortName).toEqual(
        svc.offboard
          ? ['routing.complete', 'routing.offboard', 'routing.offboard-complete', 'routing.start']
          : ['routing.complete', 'routing.start'],
      );
    }

    // Microsoft 365 and the DNS zone: one of each object per kept service, none for a removed one.
    const same = (a: unknown, b: string) => String(a).toLowerCase() === b.toLowerCase();
    const count = <T>(list: T[], match: (x: T) => boolean) => list.filter(match).length;
    const records = w().dns.records(ZONE);
    for (const svc of services) {
      const fqdn = svc.trunkFqdn;
      const tenant = w().emu.control.tenant(svc.tenant);
      const at = records.filter((r) => same(r.name, fqdn));
      const users = tenant.users.filter((u) => u.userPrincipalName.toLowerCase().endsWith(`@${fqdn}`));
      const gateways = tenant.teams.OnlinePSTNGateway.filter((g) => same(g.Identity, fqdn));
      if (svc.offboard) {
        expect(
          tenant.domains.filter((d) => same(d.id, fqdn)),
          fqdn,
        ).toEqual([]);
        expect(users, fqdn).toEqual([]);
        expect(gateways, fqdn).toEqual([]);
        expect(at, fqdn).toEqual([]);
        continue;
      }
      const domains = tenant.domains.filter((d) => same(d.id, fqdn));
      expect(domains, fqdn).toHaveLength(1);
      expect(domains[0]!.isVerified, fqdn).toBe(true);
      expect(
        users.map((u) => u.userPrincipalName),
        fqdn,
      ).toEqual([`trunkline-activation@${fqdn}`]);
      expect(users[0]!.assignedLicenses, fqdn).toHaveLength(1);
      // A derived trunk (carrier model) has no OnlinePSTNGateway of its own in the customer tenant.
      expect(gateways, fqdn).toEqual([]);
      expect(at.filter((r) => r.type === 'A').map((r) => r.value)).toEqual([SBC_ADDRESSES[0]]);
      expect(at.filter((r) => r.type === 'AAAA').map((r) => r.value)).toEqual([SBC_ADDRESSES[1]]);
      expect(
        at.filter((r) => r.type === 'TXT').map((r) => r.value),
        fqdn,
      ).toEqual([expect.stringMatching(/^MS=ms/)]);
      expect(at.map((r) => r.type).sort(), fqdn).toEqual(['A', 'AAAA', 'TXT']);
    }
    // A tenant that keeps services: one usage, one route naming exactly their trunks, one policy with the usage.
    // The tenant every service left (the second): as it was before the first came, no usage, route or policy of
    // Trunkline's left, its domains, users and licences as they were.
    const consumed = (state: ReturnType<typeof tenantState>) =>
      state.skus.reduce((n, s) => n + Number(s.split(':')[1]), 0);
    for (const name of ['contoso', 'tailspin'] as const) {
      const kept = services.filter((s) => !s.offboard && s.tenant === name);
      const tenant = w().emu.control.tenant(name);
      if (!kept.length) {
        expect(
          {
            usages: tenant.teams.OnlinePstnUsages.filter((u) => same(u, 'Trunkline')),
            routes: tenant.teams.OnlineVoiceRoute.map((r) => r.Identity),
            policies: tenant.teams.OnlineVoiceRoutingPolicy.map((p) => p.Identity),
          },
          name,
        ).toEqual({
          usages: [],
          routes: JSON.parse(before.get(name)!.teams).OnlineVoiceRoute.map(
            (r: { Identity: string }) => r.Identity,
          ),
          policies: JSON.parse(before.get(name)!.teams).OnlineVoiceRoutingPolicy.map(
            (p: { Identity: string }) => p.Identity,
          ),
        });
        expect(tenantState(name), name).toEqual(before.get(name));
        continue;
      }
      expect(
        count(tenant.teams.OnlinePstnUsages, (u) => same(u, 'Trunkline')),
        name,
      ).toBe(1);
      const routes = tenant.teams.OnlineVoiceRoute.filter((r) => same(r.Identity, 'Trunkline'));
      expect(routes, name).toHaveLength(1);
      expect((routes[0]!.OnlinePstnGatewayList as string[]).map((g) => g.toLowerCase()).sort(), name).toEqual(
        kept.map((s) => s.trunkFqdn.toLowerCase()).sort(),
      );
      const policies = tenant.teams.OnlineVoiceRoutingPolicy.filter((p) =>
        String(p.Identity).toLowerCase().endsWith('unrestricted'),
      );
      expect(policies, name).toHaveLength(1);
      expect(
        count(policies[0]!.OnlinePstnUsages as string[], (u) => same(u, 'Trunkline')),
        name,
      ).toBe(1);
      expect(tenant.created.domains.map((d) => d.id.toLowerCase()).sort(), name).toEqual(
        kept.map((s) => s.trunkFqdn.toLowerCase()).sort(),
      );
      expect(tenant.created.users, name).toHaveLength(kept.length);
      expect(consumed(tenantState(name)) - consumed(before.get(name)!), name).toBe(kept.length);
    }

    // The SBC: one dial-plan row per range and one admission profile and rule per kept service; nothing else.
    const tables = w().sbc.control.tables();
    for (const svc of services) {
      const dial = (tables.DialPlanRule ?? []).filter((r) => same(r.values.Tag, svc.trunkFqdn));
      const profiles = (tables.SBCAdmissionProfile ?? []).filter(
        (r) => r.values.Name === `CAC_${svc.shortName}`,
      );
      const rules = (tables.SBCAdmissionRule ?? []).filter(
        (r) => r.values.AdmissionProfile === `CAC_${svc.shortName}`,
      );
      if (svc.offboard) {
        expect([...dial, ...profiles, ...rules], svc.shortName).toEqual([]);
        continue;
      }
      expect(dial.map((r) => r.values.Prefix).sort(), svc.shortName).toEqual([...svc.ranges].sort());
      expect(profiles, svc.shortName).toHaveLength(1);
      expect(rules, svc.shortName).toHaveLength(1);
    }
    const kept = services.filter((s) => !s.offboard);
    for (const table of new Set([...Object.keys(tables), ...Object.keys(sbcBefore)])) {
      const added = (tables[table] ?? []).length - (sbcBefore[table] ?? []).length;
      const expected =
        table === 'DialPlanRule'
          ? kept.flatMap((s) => s.ranges).length
          : table === 'SBCAdmissionProfile' || table === 'SBCAdmissionRule'
            ? kept.length
            : 0;
      expect(added, table).toBe(expected);
    }
    const { rows: held } = await watcher!.query<{ n: number }>(
      `select count(*)::int as n from sbc_allocations`,
    );
    expect(held[0]!.n).toBe(kept.flatMap((s) => s.ranges).length + 2 * kept.length);
  }, 420_000);
});
