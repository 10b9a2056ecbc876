import { can, shows, type Me, type NavigationItem, type Permission, type Role } from '@trunkline/contracts';

/** The roles a user may give to users they create, as the server enforces them. */
export function creatableRoles(role: Role): Role[] {
  switch (role) {
    case 'provider_admin':
      return ['provider_admin', 'channel_admin', 'customer_admin'];
    case 'channel_admin':
      return ['channel_admin', 'customer_admin'];
    case 'customer_admin':
      return ['customer_admin'];
  }
}

export const isProviderAdmin = (me: Me) => me.role === 'provider_admin';

/** Only provider admins create and rename channels. */
export const canManageChannels = (me: Me) => can(me.role, 'channels.manage');

/** Only provider admins pick a customer's channel; a channel admin's customers land in their own channel. */
export const canChooseChannel = isProviderAdmin;

/** A customer admin works inside one customer and creates no others. */
export const canCreateCustomers = (me: Me) => can(me.role, 'customers.manage');

/** The pages of the main menu. */
export type NavPage = NavigationItem;

/**
 * Whether the menu shows a page to the user: the navigation table of contracts (the one the server's permission
 * table goes with). Settings stays for everyone: besides the provider's settings it holds each person's own
 * two-factor sign-in and API tokens.
 */
export const mayOpen = (me: Me, page: NavPage): boolean => page === 'settings' || shows(me.role, page);

/** Whether the role may do something, by the permission table the server enforces. */
export const may = (me: Me, permission: Permission): boolean => can(me.role, permission);

/** Adding a Direct Routing service (Add Service, Add New Tenant). */
export const canAddServices = (me: Me) => may(me, 'services.create');
