import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The shape of `emulators/m365/seed.json`. */
export type SeedApp = {
  appId: string;
  displayName: string;
  /** The provider's own tenant, where the multi-tenant app is registered (not itself emulated). */
  ownerTenantId: string;
  /** Public clients ("Allow public client flows") authenticate without a secret. */
  publicClient: boolean;
  clientSecrets: string[];
  /** Exact redirect URIs; for http loopback hosts the port is ignored, as Entra does. */
  redirectUris: string[];
  /** Permissions configured on the registration: app roles and delegated scopes per resource (app id or URI). */
  requiredResourceAccess: { resource: string; roles: string[]; scopes: string[] }[];
  /**
   * The manifest's `groupMembershipClaims`: `None` (default), or a comma-separated list of `SecurityGroup`,
   * `DirectoryRole`, `ApplicationGroup`, or `All`. ID tokens carry `groups` and/or `wids` only when it asks.
   */
  groupMembershipClaims?: string;
};

export type SeedUser = {
  id: string;
  userPrincipalName: string;
  displayName: string;
  password: string;
  usageLocation?: string;
  /** Directory role names (see catalog.ROLE_TEMPLATES). */
  roles?: string[];
  /** Object ids of the security groups the user is a member of (the `groups` claim). */
  groups?: string[];
  /** When present the user must pass MFA: interactive pages ask for this code; ROPC fails with AADSTS50076. */
  mfaCode?: string;
  /** `block`: a Conditional Access policy blocks the user's sign-ins (AADSTS53003 with a claims challenge). */
  conditionalAccess?: 'block';
  assignedSkuIds?: string[];
};

export type SeedSku = {
  skuId: string;
  skuPartNumber: string;
  prepaidUnits: number;
  consumedUnits: number;
  servicePlans: { servicePlanId: string; servicePlanName: string }[];
};

export type SeedTenant = {
  /** Short handle for tests and the control API. */
  name: string;
  id: string;
  displayName: string;
  countryLetterCode: string;
  /** App ids that are admin-consented at start (service principal + all configured permissions). */
  consentedApps: string[];
  /**
   * `authenticationType` `Federated`: users on the domain sign in at their own identity provider (AD FS), so the
   * identity platform cannot check their password (ROPC fails; home realm discovery says Federated).
   */
  domains: {
    id: string;
    isInitial: boolean;
    isDefault: boolean;
    authenticationType?: 'Managed' | 'Federated';
  }[];
  subscribedSkus: SeedSku[];
  users: SeedUser[];
};

export type Seed = { apps: SeedApp[]; tenants: SeedTenant[] };

/** The bundled seed, freshly parsed on every call so callers may modify their copy. */
export const loadDefaultSeed = (): Seed =>
  JSON.parse(readFileSync(new URL('../seed.json', import.meta.url), 'utf8')) as Seed;

/**
 * The bundled seed plus `names` more tenants, each a copy of contoso (same licences and admin, its own id, domains
 * and users): independent customer tenants for tests and benchmarks of many tenants at once.
 */
export function seedWithTenants(names: string[]): Seed {
  const seed = loadDefaultSeed();
  const contoso = seed.tenants.find((t) => t.name === 'contoso')!;
  for (const name of names)
    seed.tenants.push({
      ...structuredClone(contoso),
      name,
      id: randomUUID(),
      displayName: `${name} Ltd`,
      domains: [
        { id: `${name}.onmicrosoft.com`, isInitial: true, isDefault: false },
        { id: `${name}.com`, isInitial: false, isDefault: true },
      ],
      users: contoso.users.map((u) => ({
        ...structuredClone(u),
        id: randomUUID(),
        userPrincipalName: u.userPrincipalName.replace(/contoso/g, name),
      })),
    });
  return seed;
}
