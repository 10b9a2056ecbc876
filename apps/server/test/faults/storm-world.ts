import { seedWithTenants } from '@trunkline/emulator-m365';
import { startSmtpSink, type SmtpSink } from '@trunkline/emulator-smtp';
import { expect } from 'vitest';
import { expectStatus } from '../support/client.ts';
import { eventually } from '../support/eventually.ts';
import { SBC_ADDRESSES, startRoutingWorld, type RoutingWorld, type Run } from '../support/routing.ts';

/**
 * A fault storm over several onboardings and an invitation e-mail (issue #14, "Fault storms"), in-process: the
 * server on PGlite, Microsoft 365, the provider's DNS and the mail server as emulators on loopback.
 *
 * For the whole of the runs Microsoft answers 10 % of token requests and Graph and Teams admin calls with
 * 500/502/503/504 (seeded) and throttles everything for 8 s in every 20, from the runs' start (429 + Retry-After);
 * the mail server is down while the invitation is
 * first sent; the DNS server goes down in the middle of the runs (`dnsOutageSeconds`), and when it comes back every
 * access token issued so far is refused as expired. Every run must complete, each object must exist once, the
 * e-mail must arrive once, and the retries must be in the runs' step records.
 */

export const STORM_SEED = 20261207;
const TENANTS = ['contoso', 'tailspin', 'woodgrove'];
const TENANT_ADMIN_PASSWORD = 'Contoso-Admin-1!';

export type StormWorld = RoutingWorld & { sink: SmtpSink };

/** `retryBaseSeconds`: the runner's first pause after a passing failure (ROUTING_RETRY_BASE_SECONDS; default 1). */
export async function startStormWorld({
  retryBaseSeconds = 1,
}: { retryBaseSeconds?: number } = {}): Promise<StormWorld> {
  const sink = await startSmtpSink();
  const world = await startRoutingWorld({
    seed: seedWithTenants(TENANTS.slice(1)),
    env: {
      SMTP_URL: `smtp://127.0.0.1:${sink.smtpPort}`,
      MAIL_FROM: 'Acme Telecom <noc@acme.example>',
      ROUTING_RETRY_BASE_SECONDS: String(retryBaseSeconds),
    },
  });
  for (const t of TENANTS.slice(1)) world.emu.control.consent(t);
  await world.saveSettings();
  return {
    ...world,
    sink,
    async close() {
      await world.close();
      await sink.stop();
    },
  };
}

/** A run as the API answers it, with each step's retry history. */
type StormRun = Omit<Run, 'steps'> & {
  steps: (Run['steps'][number] & { retries: { at: string; reason: string }[] })[];
};

const getRun = async (world: RoutingWorld, serviceId: string) =>
  expectStatus(await world.admin.get(`/api/v1/services/${serviceId}/routing`), 200) as StormRun;

async function connectedService(world: RoutingWorld, customerId: string, tenant: string) {
  const admin = world.emu.control.tenant(tenant).users.find((u) => u.userPrincipalName.startsWith('admin@'))!;
  const svc = expectStatus(
    await world.admin.post('/api/v1/services', {
      customerId,
      type: 'direct-routing',
      fullName: `Storm ${tenant}`,
      shortName: `storm-${tenant}`,
      licenseType: 'hosted-essentials-plus',
      licensedUsers: 5,
      adminAuth: {
        method: 'credentials',
        username: admin.userPrincipalName,
        password: TENANT_ADMIN_PASSWORD,
      },
    }),
    201,
  ) as { id: string; trunkFqdn: string; connection: { state: string; message: string } };
  expect(svc.connection.state, svc.connection.message).toBe('connected');
  await eventually(`the Teams role check of ${tenant}`, async () => {
    const c = expectStatus(await world.admin.get(`/api/v1/services/${svc.id}/connection`), 200);
    return c.teamsRole.state !== 'unknown';
  });
  return { id: svc.id, trunkFqdn: svc.trunkFqdn, tenant };
}

/** Runs the storm; `dnsOutageSeconds` is how long the DNS server stays down. */
export async function runFaultStorm(world: StormWorld, { dnsOutageSeconds }: { dnsOutageSeconds: number }) {
  const { emu, dns, sink, admin } = world;
  const customerId = expectStatus(await admin.post('/api/v1/customers', { name: 'Storm customer' }), 201)
    .id as string;
  const services = [];
  for (const t of TENANTS) services.push(await connectedService(world, customerId, t));

  // The mail server is down when the invitation goes out: the job records the failure and tries again.
  await sink.suspend();
  const invited = expectStatus(
    await admin.post('/api/v1/services', {
      customerId,
      type: 'direct-routing',
      fullName: 'Storm invitation',
      shortName: 'storm-invite',
      licenseType: 'hosted-essentials-plus',
      licensedUsers: 5,
      adminAuth: { method: 'invite', email: 'it@storm.example' },
    }),
    201,
  ) as { invitation: { id: string } };
  const invitation = async () =>
    (
      expectStatus(await admin.get('/api/v1/invitations?pageSize=200'), 200).items as {
        id: string;
        status: string;
        sendAttempts: number;
        lastError: string | null;
      }[]
    ).find((i) => i.id === invited.invitation.id)!;
  const failedSend = await eventually(
    'the invitation e-mail to fail while the mail server is down',
    async () => {
      const i = await invitation();
      return i.status === 'send-failed' && i;
    },
  );
  expect(failedSend.lastError).toMatch(/ECONNREFUSED|connect/i);

  // Two runs start; once the first has its DNS records, the DNS server goes down and the third run starts.
  const [a, b, c] = services as [(typeof services)[0], (typeof services)[0], (typeof services)[0]];
  // The storm, for the whole of the runs: the first 429 window opens now, as the first steps call Microsoft.
  emu.control.setFaults({
    errorRate: 0.1,
    errorStatuses: [500, 502, 503, 504],
    seed: STORM_SEED,
    burst: { everySeconds: 20, forSeconds: 8 },
    surfaces: ['identity', 'graph', 'teams'],
  });
  emu.control.clearRequests();
  for (const s of [a, b])
    expectStatus(await admin.post(`/api/v1/services/${s.id}/routing`, { configureDns: true }), 202);
  await sink.resume();
  await eventually(
    'a DNS step to succeed',
    async () => {
      for (const s of [a, b])
        if ((await getRun(world, s.id)).steps.find((x) => x.name === 'dns')?.status === 'succeeded')
          return true;
      return false;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  await dns.suspend();
  const outageStarted = Date.now();
  expectStatus(await admin.post(`/api/v1/services/${c.id}/routing`, { configureDns: true }), 202);
  const failedDns = await eventually(
    'the third run to meet the DNS outage',
    async () => {
      const step = (await getRun(world, c.id)).steps.find((x) => x.name === 'dns')!;
      return step.lastError !== null && step;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  expect(failedDns.lastError).toMatch(/DNS|timeout|answer|reach/i);
  const left = dnsOutageSeconds * 1000 - (Date.now() - outageStarted);
  if (left > 0) await new Promise((r) => setTimeout(r, left));
  await dns.resume();
  // Every token handed out so far lapses now, mid-run.
  await new Promise((r) => setTimeout(r, 1000)); // the cut-off has whole seconds, like `iat`
  emu.control.setFaults({ tokensIssuedBefore: 'now' });

  const done: StormRun[] = [];
  for (const s of services)
    done.push(
      await eventually(
        `the run of ${s.tenant} to finish`,
        async () => {
          const run = await getRun(world, s.id);
          return (run.status === 'succeeded' || run.status === 'failed') && run;
        },
        { timeoutMs: 240_000, intervalMs: 500 },
      ),
    );
  const mail = await eventually('the invitation e-mail', () =>
    sink.messages.find((m) => m.to.includes('it@storm.example')),
  );
  emu.control.setFaults({ errorRate: 0, burst: null, tokensIssuedBefore: null });
  return {
    services,
    runs: done,
    mail,
    invitation: await invitation(),
    getRun: (id: string) => getRun(world, id),
  };
}

/** The assertions of a storm: everything completed, once, and the retries are on record. */
export function expectStormSurvived(world: StormWorld, result: Awaited<ReturnType<typeof runFaultStorm>>) {
  const { emu, dns, sink } = world;
  for (const run of result.runs) {
    expect(run.status, JSON.stringify(run.steps, null, 2)).toBe('succeeded');
    expect(run.steps.every((s) => s.status === 'succeeded')).toBe(true);
  }

  // Each object exists exactly once: DNS records, the domain, the activation user, the Teams objects.
  for (const s of result.services) {
    const records = dns
      .records()
      .filter((r) => r.name === s.trunkFqdn && (r.type === 'A' || r.type === 'AAAA'));
    expect(records.map((r) => r.value).sort()).toEqual([...SBC_ADDRESSES].sort());
    const t = emu.control.tenant(s.tenant);
    expect(t.domains.filter((d) => d.id === s.trunkFqdn)).toEqual([
      expect.objectContaining({ isVerified: true }),
    ]);
    expect(t.created.domains.map((d) => d.id)).toEqual([s.trunkFqdn]);
    expect(t.created.users.map((u) => u.userPrincipalName)).toEqual([
      expect.stringMatching(new RegExp(`@${s.trunkFqdn.replace(/\./g, '\\.')}$`)),
    ]);
    // One voice route sends calls to the trunk, which it lists once.
    const routes = (t.teams.OnlineVoiceRoute as { OnlinePstnGatewayList?: string[] }[]).filter((r) =>
      r.OnlinePstnGatewayList?.includes(s.trunkFqdn),
    );
    expect(routes).toHaveLength(1);
    expect(routes[0]!.OnlinePstnGatewayList!.filter((g) => g === s.trunkFqdn)).toHaveLength(1);
    for (const [type, objects] of Object.entries(t.teams)) {
      if (!Array.isArray(objects)) continue;
      const ids = (objects as { Identity: string }[]).map((o) => o.Identity);
      expect(new Set(ids).size, `${s.tenant} ${type}: ${ids.join(', ')}`).toBe(ids.length);
    }
  }

  // The invitation e-mail arrived once, after the outage; the invitation shows the attempts.
  expect(sink.messages.filter((m) => m.to.includes('it@storm.example'))).toHaveLength(1);
  expect(result.invitation).toMatchObject({ status: 'sent', lastError: null });
  expect(result.invitation.sendAttempts).toBeGreaterThanOrEqual(2);

  // The storm happened: Microsoft answered 5xx, 429 and 401 (expired) to Trunkline's calls.
  const statuses = emu.control.requests().map((r) => r.status);
  expect(statuses.filter((x) => x >= 500).length).toBeGreaterThan(0);
  for (const status of [429, 401]) expect(statuses, String(status)).toContain(status);

  // And the runs say so: every retry is in the step records.
  const retries = result.runs.flatMap((r) => r.steps.flatMap((s) => s.retries.map((x) => x.reason)));
  const dnsStep = result.runs[2]!.steps.find((s) => s.name === 'dns')!;
  expect(dnsStep.attempts).toBeGreaterThanOrEqual(2);
  expect(dnsStep.retries.length).toBe(dnsStep.attempts - 1);
  expect(retries.some((r) => /Retry-After/.test(r))).toBe(true);
  expect(retries.some((r) => /access token/i.test(r))).toBe(true);
  for (const run of result.runs)
    for (const s of run.steps) {
      const failures = s.retries.filter((x) => !/Retry-After|access token/i.test(x.reason)).length;
      expect(failures, `${s.name}: ${JSON.stringify(s.retries)}`).toBe(s.attempts - 1);
    }
}
