import { z } from 'zod';

export const Roles = ['provider_admin', 'channel_admin', 'customer_admin'] as const;
export const RoleSchema = z.enum(Roles, {
  error: 'Must be one of provider_admin, channel_admin, customer_admin.',
});
export type Role = z.infer<typeof RoleSchema>;

export const roleLabels: Record<Role, string> = {
  provider_admin: 'Provider admin',
  channel_admin: 'Channel admin',
  customer_admin: 'Customer admin',
};

const ALL: readonly Role[] = Roles;
const PROVIDER_AND_CHANNEL: readonly Role[] = ['provider_admin', 'channel_admin'];
const PROVIDER: readonly Role[] = ['provider_admin'];

/**
 * What each role may do: the table the server enforces (403 otherwise; every list and object is further limited
 * to the actor's scope) and the web reads to show only the menus and buttons a role may use. An integration
 * test (`test/lifecycle/access-table.test.ts`) asks the server each entry for each role.
 */
export const permissionTable = {
  /** Add and rename channels. */
  'channels.manage': PROVIDER,
  /** Add and change customers (a channel admin within their channel). */
  'customers.manage': PROVIDER_AND_CHANNEL,
  /** Add and change portal users of their own role or below, within their scope. */
  'users.manage': ALL,
  /** Add a Direct Routing service (new tenant). */
  'services.create': PROVIDER_AND_CHANNEL,
  /** Change names and licensed users, re-authenticate, manage invitations, re-check the Teams role. */
  'services.edit': ALL,
  /** Step 9: the M365 settings. */
  'm365-settings.edit': PROVIDER_AND_CHANNEL,
  /**
   * A service's number ranges (everyone who sees the service reads them): a range claims PSTN numbers on the
   * provider's SBC, which the operator who placed the numbers answers for.
   */
  'number-ranges.edit': PROVIDER_AND_CHANNEL,
  /** Step 10 and after: configure default routing, Retry, Remove service. */
  'routing.configure': PROVIDER_AND_CHANNEL,
  /** Provider settings (name, SBC base domain, two-factor policy). */
  'settings.manage': PROVIDER,
  /** The default-routing settings (DNS provider, SBC addresses, Teams names). */
  'routing-settings.manage': PROVIDER,
  /** See the SBC inventory and templates (Settings → SBCs). */
  'sbcs.view': PROVIDER_AND_CHANNEL,
  /** Add, change, test and remove SBCs; edit the SBC templates. */
  'sbcs.manage': PROVIDER,
} as const satisfies Record<string, readonly Role[]>;
export type Permission = keyof typeof permissionTable;
export const PermissionList = Object.keys(permissionTable) as Permission[];

/** Whether `role` may do `permission` (within its scope). */
export const can = (role: Role, permission: Permission): boolean =>
  (permissionTable[permission] as readonly Role[]).includes(role);

/**
 * The menus of the portal by role. A role sees a menu only where it can see or do something: a customer admin
 * belongs to no channel it could list, so it has no Channels menu.
 */
export const navigationTable = {
  services: ALL,
  // Call quality: every role, each seeing its own scope's calls (the QoE endpoints scope like the services list).
  quality: ALL,
  customers: ALL,
  channels: PROVIDER_AND_CHANNEL,
  invitations: ALL,
  users: ALL,
  audit: ALL,
  settings: PROVIDER,
} as const satisfies Record<string, readonly Role[]>;
export type NavigationItem = keyof typeof navigationTable;
export const shows = (role: Role, item: NavigationItem): boolean =>
  (navigationTable[item] as readonly Role[]).includes(role);
