import { expect } from 'vitest';
import { loadDefaultSeed, type Control } from '@trunkline/emulator-m365';
import { PUBLIC_URL } from './server.ts';
import { SBC_ADDRESSES, ZONE, type RoutingWorld } from './routing.ts';

/**
 * What a customer's tenant and the provider's zone may already hold before Trunkline onboards a service, set up
 * the way the customer's own admin would (Graph and the Teams admin API with the admin's token, the DNS server
 * directly), and whole-state snapshots to compare before and after.
 */

const SEED = loadDefaultSeed();
const APP = SEED.apps[0]!;
const CONTOSO = SEED.tenants.find((t) => t.name === 'contoso')!;
const ADMIN = CONTOSO.users[0]!;
const ENTERPRISEPACK = CONTOSO.subscribedSkus.find((s) => s.skuPartNumber === 'ENTERPRISEPACK')!.skuId;
const GRAPH_DEFAULT = 'https://graph.microsoft.com/.default';
const TEAMS_DEFAULT = '48ac35b8-9aa8-4d74-927d-1f4a14a0b239/.default';
const CONFIG = '/Skype.Policy/configurations';
const GRANT = '/Skype.Policy/tenants/policies/OnlineVoiceRoutingPolicy';
/** A gateway of the customer's own, on its verified domain contoso.com. */
export const CUSTOMER_GATEWAY = 'sbc.contoso.com';
/** The names the default routing settings use. */
export const NAMES = {
  usage: 'Trunkline',
  route: 'Trunkline',
  policy: 'Unrestricted',
  localPart: 'trunkline-activation',
};

/** What may be there before Trunkline: each object of onboarding, independently (a user implies its domain, a licence its user). */
export type PreExisting = {
  /** Address records at the trunk FQDN: none, exactly the SBC's, or another address. */
  dns: 'none' | 'same' | 'other';
  domain: boolean;
  user: boolean;
  licence: boolean;
  usage: boolean;
  route: boolean;
  policy: boolean;
  /** The tenant's global voice routing policy: the plan's policy if that exists, else a policy of the customer's. */
  grant: boolean;
};

/** The customer admin's access token for Graph or the Teams admin API (password grant of the provider app). */
async function adminToken(world: RoutingWorld, scope: string): Promise<string> {
  const res = await fetch(`${world.emu.urls.login}/${CONTOSO.id}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'password',
      client_id: APP.appId,
      client_secret: APP.clientSecrets[0]!,
      username: ADMIN.userPrincipalName,
      password: ADMIN.password,
      scope,
    }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** The customer's own tooling: Graph and Teams admin API calls with the admin's tokens. */
export async function customerAdmin(world: RoutingWorld) {
  const tokens = {
    graph: await adminToken(world, GRAPH_DEFAULT),
    teams: await adminToken(world, TEAMS_DEFAULT),
  };
  const call = async (base: string, token: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    expect(res.status, `${method} ${path}: ${text}`).toBeLessThan(300);
    return (text ? JSON.parse(text) : undefined) as unknown;
  };
  return {
    graph: (method: string, path: string, body?: unknown) =>
      call(world.emu.urls.graph, tokens.graph, method, path, body),
    teams: (method: string, path: string, body?: unknown) =>
      call(world.emu.urls.teams, tokens.teams, method, path, body),
  };
}

/**
 * The tenant's global voice routing policy (bare name; null: the Global instance), read through the emulator's
 * control API: the Teams admin API has no read of a tenant-wide grant (emulators/m365/src/teams-shapes.ts).
 */
export async function globalDefault(world: RoutingWorld): Promise<string | null> {
  const granted = world.emu.control.tenant('contoso').teams.GlobalPolicies.OnlineVoiceRoutingPolicy;
  return granted === null ? null : granted.replace(/^tag:/i, '');
}

/** Back to the seed (a fresh contoso), with the provider app's redirect URIs as `startRoutingWorld` sets them. */
export function resetTenant(world: RoutingWorld) {
  world.emu.control.reset();
  world.emu.control.consent('contoso');
  world.emu.control.setRedirectUris(APP.appId, [
    ...APP.redirectUris,
    `${PUBLIC_URL}/api/v1/microsoft/consent/callback`,
    `${PUBLIC_URL}/api/v1/microsoft/callback`,
  ]);
}

/** Puts `pre` in place for the trunk `fqdn` in contoso and the zone. */
export async function prepare(world: RoutingWorld, fqdn: string, pre: PreExisting) {
  const admin = await customerAdmin(world);
  if (pre.dns === 'same') {
    world.dns.set(fqdn, 'A', [SBC_ADDRESSES[0]!], 300);
    world.dns.set(fqdn, 'AAAA', [SBC_ADDRESSES[1]!], 300);
  } else if (pre.dns === 'other') world.dns.set(fqdn, 'A', ['192.0.2.99'], 300);
  if (pre.domain || pre.user || pre.licence) {
    await admin.graph('POST', '/domains', { id: fqdn });
    const records = (await admin.graph('GET', `/domains/${fqdn}/verificationDnsRecords`)) as {
      value: { recordType: string; text?: string }[];
    };
    world.dns.set(fqdn, 'TXT', [records.value.find((r) => r.recordType.toLowerCase() === 'txt')!.text!], 300);
    await admin.graph('POST', `/domains/${fqdn}/verify`);
  }
  if (pre.user || pre.licence) {
    const user = (await admin.graph('POST', '/users', {
      accountEnabled: true,
      displayName: 'Teams activation (prepared by the admin)',
      mailNickname: 'teams-activation',
      userPrincipalName: `${NAMES.localPart}@${fqdn}`,
      usageLocation: 'US',
      passwordProfile: { password: 'Prepared-by-admin-1!', forceChangePasswordNextSignIn: false },
    })) as { id: string };
    if (pre.licence)
      await admin.graph('POST', `/users/${user.id}/assignLicense`, {
        addLicenses: [{ skuId: ENTERPRISEPACK, disabledPlans: [] }],
        removeLicenses: [],
      });
  }
  // The customer's own Direct Routing: its usage, gateway, and what `pre` names on top.
  const needsOwnUsage = (pre.route || pre.policy) && !pre.usage;
  const usages = [...(pre.usage ? [NAMES.usage] : []), ...(needsOwnUsage || pre.grant ? ['Customer'] : [])];
  if (usages.length)
    await admin.teams('PUT', `${CONFIG}/OnlinePstnUsages/configuration/Global`, { Usage: { Add: usages } });
  const routed = pre.usage ? [NAMES.usage] : ['Customer'];
  if (pre.route) {
    await admin.teams('POST', `${CONFIG}/OnlinePSTNGateway`, {
      Identity: CUSTOMER_GATEWAY,
      Fqdn: CUSTOMER_GATEWAY,
      SipSignalingPort: 5061,
    });
    await admin.teams('POST', `${CONFIG}/OnlineVoiceRoute`, {
      Identity: NAMES.route,
      NumberPattern: '^\\+1',
      Priority: 3,
      Description: "Contoso's own route",
      OnlinePstnGatewayList: [CUSTOMER_GATEWAY],
      OnlinePstnUsages: routed,
    });
  }
  if (pre.policy)
    await admin.teams('POST', `${CONFIG}/OnlineVoiceRoutingPolicy`, {
      Identity: NAMES.policy,
      OnlinePstnUsages: routed,
    });
  if (pre.grant) {
    if (!pre.policy)
      await admin.teams('POST', `${CONFIG}/OnlineVoiceRoutingPolicy`, {
        Identity: 'Contoso-own',
        OnlinePstnUsages: ['Customer'],
      });
    await admin.teams('PATCH', GRANT, { PolicyName: pre.policy ? NAMES.policy : 'Contoso-own' });
  }
}

export type WholeState = {
  tenant: Omit<ReturnType<Control['tenant']>, 'servicePrincipals' | 'roleAssignments' | 'grants' | 'created'>;
  globalPolicy: string | null;
  zone: string[];
};

/**
 * Everything contoso and the zone hold, as the emulators' control/state APIs report it (the tenant-wide grant
 * through the Teams admin API, where the emulator keeps it). Left out: the connection's own objects (service
 * principals, role assignments, consent grants), which connecting the service changes on its own schedule, and
 * the zone's SOA (its serial counts every update).
 */
export async function wholeState(world: RoutingWorld): Promise<WholeState> {
  // A deep copy: the control API hands out the emulator's live objects.
  const {
    servicePrincipals: _sp,
    roleAssignments: _ra,
    grants: _g,
    created: _c,
    ...tenant
  } = structuredClone(world.emu.control.tenant('contoso'));
  return {
    tenant,
    globalPolicy: await globalDefault(world),
    zone: world.dns
      .records(ZONE)
      .filter((r) => r.type !== 'SOA')
      .map((r) => `${r.name} ${r.type} ${r.ttl} ${r.value}`)
      .sort(),
  };
}
