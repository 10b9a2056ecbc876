/**
 * Fixed Microsoft identifiers the emulator knows about (first-party resources and directory role templates).
 * Sources: /work/shared/reference/microsoft-365.md §2.5 (resources), §3.7 (role template IDs).
 */

export type Resource = {
  appId: string;
  displayName: string;
  /** What a token for this resource carries in `aud`. */
  audience: string;
  /** Identifier URIs a `scope` may name the resource by (compared case-insensitively, without a trailing slash). */
  identifierUris: string[];
  /** Bare scope names (`User.Read`) belong to this resource. */
  isDefault?: boolean;
};

export const GRAPH: Resource = {
  appId: '00000003-0000-0000-c000-000000000000',
  displayName: 'Microsoft Graph',
  audience: 'https://graph.microsoft.com',
  identifierUris: [
    'https://graph.microsoft.com',
    'https://graph.microsoft.us',
    'https://canary.graph.microsoft.com',
  ],
  isDefault: true,
};

/** "Skype and Teams Tenant Admin API" (§2.5); the ConfigAPI host is also accepted as its identifier URI [3P]. */
export const TEAMS_ADMIN: Resource = {
  appId: '48ac35b8-9aa8-4d74-927d-1f4a14a0b239',
  displayName: 'Skype and Teams Tenant Admin API',
  audience: '48ac35b8-9aa8-4d74-927d-1f4a14a0b239',
  identifierUris: ['https://api.interfaces.records.teams.microsoft.com'],
};

/**
 * Azure Resource Manager ("Windows Azure Service Management API"): app-only tokens for
 * `https://management.azure.com/.default` authorise the emulated Azure DNS surface (`azure-dns.ts`). ARM authorises
 * by RBAC role assignments, not app roles.
 */
export const AZURE_RESOURCE_MANAGER: Resource = {
  appId: '797f4846-ba00-4fd7-ba43-dac1f8f63013',
  displayName: 'Windows Azure Service Management API',
  audience: 'https://management.azure.com',
  identifierUris: ['https://management.azure.com', 'https://management.core.windows.net'],
};

export const RESOURCES: Resource[] = [GRAPH, TEAMS_ADMIN, AZURE_RESOURCE_MANAGER];

/** Scopes that are about the sign-in itself and belong to no resource. */
export const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

export const ROLE_TEMPLATES: Record<string, string> = {
  'Global Administrator': '62e90394-69f5-4237-9190-012177145e10',
  'Teams Administrator': '69091246-20e8-4a56-aa4d-066075b2a7a8',
  'Teams Communications Administrator': 'baf37b3a-610e-45da-9e62-d9d1e5e8914b',
  'Teams Telephony Administrator': 'aa38014f-0993-46e9-9b45-30501a20909d',
  'Skype for Business Administrator': '75941009-915a-4869-abe7-691bff18279e',
  'Domain Name Administrator': '8329153b-31d0-4727-b945-745eb3bc5f31',
  'User Administrator': 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  'License Administrator': '4d6ac14f-3453-41d0-bef9-a3e0c569773a',
  'Application Administrator': '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
  'Cloud Application Administrator': '158c047a-c907-4556-b7ef-446551a6b5f7',
  'Privileged Role Administrator': 'e8611ab8-c189-46e8-94e1-60213ab1f814',
};

/** The default "User" role every member carries in `wids` of user tokens. */
export const DEFAULT_USER_ROLE = 'b79fbf4d-3ef9-4689-8143-76b194e85509';

/**
 * The default role template id every app-only token carries in `wids`, with or without assigned directory roles
 * (seen in decoded app-only Graph tokens; not in Microsoft's role list, so a client must not read it as a role).
 */
export const APP_DEFAULT_ROLE = '0997a1d0-0d1d-4acb-b408-d5ca73121e90';

/** The v1.0 issuer base of access tokens (`iss` = `https://sts.windows.net/{tid}/`). */
export const ACCESS_TOKEN_ISSUER_BASE = 'https://sts.windows.net/';

export const role = (name: keyof typeof ROLE_TEMPLATES | string): string => {
  const id = ROLE_TEMPLATES[name];
  if (!id) throw new Error(`Unknown directory role ${name}`);
  return id;
};

/** Roles that may grant tenant-wide (admin) consent. */
export const CONSENT_ADMIN_ROLES = [
  role('Global Administrator'),
  role('Privileged Role Administrator'),
  role('Cloud Application Administrator'),
  role('Application Administrator'),
];

/**
 * Roles the Teams ConfigAPI accepts for `*-Cs` voice configuration. Microsoft documents Teams Administrator as the
 * example (§4.4); the narrower Teams roles are listed by third parties (§4.6). Global Administrator covers everything.
 */
export const TEAMS_ADMIN_ROLES = [
  role('Global Administrator'),
  role('Teams Administrator'),
  role('Teams Communications Administrator'),
  role('Teams Telephony Administrator'),
];

/** Service plans that make a licence "include Teams" for domain activation (§3.5, §5.3). */
export const TEAMS_SERVICE_PLANS = new Set(['TEAMS1', 'MCOEV', 'TEAMS_AR_GCCHIGH', 'TEAMS_GOV']);

/**
 * Delegated permissions a non-admin user cannot consent to. Microsoft marks these per permission; the emulator
 * approximates "admin consent required" as every `*.All` and `*.Directory` scope except `User.ReadBasic.All`.
 */
export const needsAdminConsent = (scope: string): boolean =>
  scope !== 'User.ReadBasic.All' && /\.(All|Directory)$/i.test(scope);
