import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { activatedSince as domainActivatedSince } from './activation.ts';
import { GRAPH, RESOURCES, role, type Resource } from './catalog.ts';
import type { Seed, SeedApp } from './seed.ts';

export type Domain = {
  id: string;
  isInitial: boolean;
  isDefault: boolean;
  isRoot: boolean;
  isVerified: boolean;
  availabilityStatus: string | null;
  supportedServices: string[];
  verificationText: string;
  txtRecordId: string;
  mxRecordId: string;
  /** Absent: Managed. Federated domains come only from the seed. */
  authenticationType?: 'Managed' | 'Federated';
};

export type User = {
  id: string;
  userPrincipalName: string;
  displayName: string;
  mailNickname: string;
  givenName: string | null;
  surname: string | null;
  jobTitle: string | null;
  mail: string | null;
  accountEnabled: boolean;
  usageLocation: string | null;
  password: string;
  mfaCode?: string;
  /** `block`: a Conditional Access policy blocks every token for the user (AADSTS53003). */
  conditionalAccess?: 'block';
  /** Security groups the user is a member of (object ids). */
  groups?: string[];
  /** `assignedAt`: epoch ms of the assignment (seeded licences: 0, long ago). */
  assignedLicenses: { skuId: string; disabledPlans: string[]; assignedAt?: number }[];
  createdDateTime: string;
};

export type Sku = {
  skuId: string;
  skuPartNumber: string;
  prepaidUnits: number;
  consumedUnits: number;
  servicePlans: { servicePlanId: string; servicePlanName: string }[];
};

export type ServicePrincipal = {
  id: string;
  appId: string;
  displayName: string;
  appOwnerOrganizationId: string;
  /** Granted application permissions (app role assignments) per resource app id. */
  appRoles: { resourceAppId: string; value: string }[];
  createdDateTime: string;
};

export type RoleAssignment = {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
};

/** oauth2PermissionGrant: delegated scopes, tenant-wide (AllPrincipals) or for one user (Principal). */
export type Grant = {
  clientAppId: string;
  resourceAppId: string;
  consentType: 'AllPrincipals' | 'Principal';
  principalId: string | null;
  scopes: string[];
};

export type TeamsConfig = {
  usages: string[];
  routes: Record<string, unknown>[];
  policies: Record<string, unknown>[];
  gateways: Record<string, unknown>[];
};

export type Tenant = {
  id: string;
  name: string;
  displayName: string;
  countryLetterCode: string;
  createdDateTime: string;
  domains: Domain[];
  users: User[];
  skus: Sku[];
  servicePrincipals: ServicePrincipal[];
  roleAssignments: RoleAssignment[];
  grants: Grant[];
  teams: TeamsConfig;
  /** Ids of objects that came from the seed, so the control API can report what was created since. */
  seeded: Set<string>;
};

export type App = SeedApp;

const FIRST_PARTY_OWNER = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

export const newDomain = (id: string, verified: boolean, tenant: Tenant | null): Domain => {
  const parentVerified = tenant?.domains.some(
    (d) => d.isVerified && id.toLowerCase().endsWith(`.${d.id.toLowerCase()}`),
  );
  return {
    id: id.toLowerCase(),
    isInitial: false,
    isDefault: false,
    isRoot: !parentVerified,
    isVerified: verified || Boolean(parentVerified),
    availabilityStatus: null,
    supportedServices: verified ? ['Email', 'OfficeCommunicationsOnline'] : [],
    verificationText: `MS=ms${randomInt(10_000_000, 99_999_999)}`,
    txtRecordId: randomUUID(),
    mxRecordId: randomUUID(),
  };
};

export const newRoleAssignmentId = () => randomBytes(24).toString('base64url') + '-1';

/** `onCreated` hears of service principals made by consent (replication model: their creation time). */
export const createWorld = (seed: Seed, onCreated: (o: object) => void = () => {}) => {
  const apps: App[] = structuredClone(seed.apps);
  const tenants: Tenant[] = [];

  const resolveResource = (key: string): Resource | undefined => {
    const k = key.toLowerCase().replace(/\/+$/, '');
    return RESOURCES.find((r) => r.appId === k || r.identifierUris.some((u) => u.toLowerCase() === k));
  };

  /** Admin consent: service principal plus every configured permission of the app (app roles and delegated). */
  const consentApp = (
    tenant: Tenant,
    app: App,
    resourceFilter?: (resourceAppId: string) => boolean,
  ): ServicePrincipal => {
    const sp = ensureServicePrincipal(tenant, app);
    for (const rra of app.requiredResourceAccess) {
      const resource = resolveResource(rra.resource);
      if (!resource || (resourceFilter && !resourceFilter(resource.appId))) continue;
      for (const value of rra.roles) {
        if (!sp.appRoles.some((r) => r.resourceAppId === resource.appId && r.value === value))
          sp.appRoles.push({ resourceAppId: resource.appId, value });
      }
      grantScopes(tenant, app.appId, resource.appId, rra.scopes, null);
    }
    return sp;
  };

  const ensureServicePrincipal = (tenant: Tenant, app: App): ServicePrincipal => {
    let sp = tenant.servicePrincipals.find((s) => s.appId === app.appId);
    if (!sp) {
      sp = {
        id: randomUUID(),
        appId: app.appId,
        displayName: app.displayName,
        appOwnerOrganizationId: app.ownerTenantId,
        appRoles: [],
        createdDateTime: now(),
      };
      tenant.servicePrincipals.push(sp);
      onCreated(sp);
    }
    return sp;
  };

  const grantScopes = (
    tenant: Tenant,
    clientAppId: string,
    resourceAppId: string,
    scopes: string[],
    principalId: string | null,
  ) => {
    const consentType = principalId ? 'Principal' : 'AllPrincipals';
    let grant = tenant.grants.find(
      (g) =>
        g.clientAppId === clientAppId &&
        g.resourceAppId === resourceAppId &&
        g.consentType === consentType &&
        g.principalId === principalId,
    );
    if (!grant) {
      grant = { clientAppId, resourceAppId, consentType, principalId, scopes: [] };
      tenant.grants.push(grant);
    }
    for (const s of scopes)
      if (!grant.scopes.some((x) => x.toLowerCase() === s.toLowerCase())) grant.scopes.push(s);
  };

  const reset = () => {
    tenants.length = 0;
    apps.length = 0;
    apps.push(...structuredClone(seed.apps));
    for (const t of seed.tenants) {
      const tenant: Tenant = {
        id: t.id,
        name: t.name,
        displayName: t.displayName,
        countryLetterCode: t.countryLetterCode,
        createdDateTime: '2021-01-01T00:00:00Z',
        domains: t.domains.map((d) => ({
          ...newDomain(d.id, true, null),
          isInitial: d.isInitial,
          isDefault: d.isDefault,
          isRoot: true,
          ...(d.authenticationType ? { authenticationType: d.authenticationType } : {}),
        })),
        users: [],
        skus: t.subscribedSkus.map((s) => structuredClone(s)),
        servicePrincipals: [],
        roleAssignments: [],
        grants: [],
        teams: {
          usages: [],
          routes: [],
          policies: [{ Identity: 'Global', OnlinePstnUsages: [], Description: '', RouteType: 'BYOT' }],
          gateways: [],
        },
        seeded: new Set(),
      };
      for (const r of RESOURCES) {
        tenant.servicePrincipals.push({
          id: randomUUID(),
          appId: r.appId,
          displayName: r.displayName,
          appOwnerOrganizationId: FIRST_PARTY_OWNER,
          appRoles: [],
          createdDateTime: tenant.createdDateTime,
        });
      }
      for (const u of t.users) {
        const [alias = u.userPrincipalName] = u.userPrincipalName.split('@');
        tenant.users.push({
          id: u.id,
          userPrincipalName: u.userPrincipalName,
          displayName: u.displayName,
          mailNickname: alias,
          givenName: null,
          surname: null,
          jobTitle: null,
          mail: null,
          accountEnabled: true,
          usageLocation: u.usageLocation ?? null,
          password: u.password,
          ...(u.mfaCode ? { mfaCode: u.mfaCode } : {}),
          ...(u.conditionalAccess ? { conditionalAccess: u.conditionalAccess } : {}),
          ...(u.groups ? { groups: [...u.groups] } : {}),
          assignedLicenses: (u.assignedSkuIds ?? []).map((skuId) => ({ skuId, disabledPlans: [] })),
          createdDateTime: tenant.createdDateTime,
        });
        for (const name of u.roles ?? []) {
          tenant.roleAssignments.push({
            id: newRoleAssignmentId(),
            principalId: u.id,
            roleDefinitionId: role(name),
            directoryScopeId: '/',
          });
        }
      }
      for (const appId of t.consentedApps) {
        const app = apps.find((a) => a.appId === appId);
        if (app) consentApp(tenant, app);
      }
      for (const list of [tenant.domains, tenant.users, tenant.servicePrincipals, tenant.roleAssignments]) {
        for (const o of list) tenant.seeded.add(o.id);
      }
      tenants.push(tenant);
    }
  };
  reset();

  const findTenant = (key: string): Tenant | undefined => {
    const k = key.toLowerCase();
    return tenants.find(
      (t) => t.id === k || t.name === k || t.domains.some((d) => d.isVerified && d.id === k),
    );
  };

  const findUserByUpn = (upn: string): { tenant: Tenant; user: User } | undefined => {
    const u = upn.toLowerCase();
    for (const tenant of tenants) {
      const user = tenant.users.find((x) => x.userPrincipalName.toLowerCase() === u);
      if (user) return { tenant, user };
    }
    return undefined;
  };

  const findApp = (appId: string) => apps.find((a) => a.appId === appId.toLowerCase());

  /** Directory role template ids held by a principal (user or service principal). */
  const rolesOf = (tenant: Tenant, principalId: string) => [
    ...new Set(
      tenant.roleAssignments.filter((r) => r.principalId === principalId).map((r) => r.roleDefinitionId),
    ),
  ];

  /** Delegated scopes a user (or everyone) has granted a client for a resource. */
  const grantedScopes = (tenant: Tenant, clientAppId: string, resourceAppId: string, userId: string) => {
    const out = new Set<string>();
    for (const g of tenant.grants) {
      if (g.clientAppId !== clientAppId || g.resourceAppId !== resourceAppId) continue;
      if (g.consentType === 'AllPrincipals' || g.principalId === userId) g.scopes.forEach((s) => out.add(s));
    }
    return [...out];
  };

  /** When a domain was activated for Direct Routing (qualifying licence, `activation.ts`); null while it is not. */
  const activatedSince = (tenant: Tenant, domain: string): number | null =>
    domainActivatedSince(tenant, domain);
  const isActivated = (tenant: Tenant, domain: string) => activatedSince(tenant, domain) !== null;

  return {
    tenants,
    apps,
    reset,
    findTenant,
    findUserByUpn,
    findApp,
    resolveResource,
    consentApp,
    ensureServicePrincipal,
    grantScopes,
    rolesOf,
    grantedScopes,
    isActivated,
    activatedSince,
    defaultResource: GRAPH,
  };
};

export type World = ReturnType<typeof createWorld>;
export { now as isoNow };
