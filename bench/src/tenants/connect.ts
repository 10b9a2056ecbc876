import { pool } from '../scale/world.ts';
import { ZONE, type EmulatorWorld, type Server } from './processes.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Services in a lifecycle state (the list's exact total). */
export const countIn = async (server: Server, state: string) =>
  (await server.call<{ total: number }>('GET', `/api/v1/services?state=${state}&pageSize=1`)).total;

/** The routing settings every onboarding uses: the SBC zone on the emulated provider DNS (RFC 2136 with TSIG). */
export async function configureRouting(s: Server, world: EmulatorWorld) {
  const current = await s.call<Record<string, unknown>>('GET', '/api/v1/settings/routing');
  const { dnsSecretSet: _set, saved: _saved, ...rest } = current;
  await s.call('PUT', '/api/v1/settings/routing', {
    ...rest,
    sbcBaseDomain: ZONE,
    sbcAddresses: ['198.51.100.10'],
    dns: { kind: 'rfc2136', server: world.dns.address, keyName: world.dns.keyName },
    dnsSecret: world.dns.secret,
  });
}

/**
 * One customer and one Direct Routing service per tenant name (the emulator's copies of contoso, whose admin is
 * `admin@<name>.onmicrosoft.com`), connected by the credentials path, 8 at a time; then waits for the Teams-role
 * checks and re-checks the ones that ended 'role-missing' (under load a few do; the Re-check button's call
 * assigns the role). Not measured by the groups that use it.
 */
export async function connectTenants(s: Server, names: string[]) {
  const ids = await pool(names, 8, async (t) => {
    const customer = await s.call('POST', '/api/v1/customers', { name: `C ${t}` });
    const svc = await s.call<{ id: string; connection: { state: string; message: string } }>(
      'POST',
      '/api/v1/services',
      {
        customerId: customer.id,
        type: 'direct-routing',
        fullName: `Tenant ${t}`,
        shortName: `svc-${t}`,
        licenseType: 'hosted-essentials-plus',
        licensedUsers: 1,
        adminAuth: {
          method: 'credentials',
          username: `admin@${t}.onmicrosoft.com`,
          password: 'Contoso-Admin-1!',
        },
      },
    );
    if (svc.connection.state !== 'connected') throw new Error(`${t}: ${svc.connection.message}`);
    return svc.id;
  });
  for (let until = Date.now() + 600_000; (await countIn(s, 'checking-role')) > 0; await sleep(500))
    if (Date.now() > until) throw new Error('the Teams-role checks did not finish');
  const missing: { id: string }[] = [];
  for (let page = 1; ; page++) {
    const p = await s.call<{ items: { id: string }[]; total: number }>(
      'GET',
      `/api/v1/services?state=role-missing&pageSize=200&page=${page}`,
    );
    missing.push(...p.items);
    if (missing.length >= p.total || !p.items.length) break;
  }
  const rechecks = await pool(missing, 4, (svc) =>
    s
      .call<{ teamsRole?: { state: string; message: string | null } }>(
        'POST',
        `/api/v1/services/${svc.id}/connection/teams-role`,
      )
      .catch((e: unknown) => ({ error: String(e) })),
  );
  return { ids, rechecks };
}
