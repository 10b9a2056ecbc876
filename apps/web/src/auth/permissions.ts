import type { Me, Role } from '@trunkline/contracts';

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
export const canManageChannels = isProviderAdmin;

/** Only provider admins pick a customer's channel; a channel admin's customers land in their own channel. */
export const canChooseChannel = isProviderAdmin;

/** A customer admin works inside one customer and creates no others. */
export const canCreateCustomers = (me: Me) => me.role !== 'customer_admin';

/** The pages of the main menu. */
export type NavPage = 'services' | 'invitations' | 'customers' | 'channels' | 'users' | 'audit' | 'settings';

/** Whether the role has anything to do on a page: a customer admin has no channel to see. */
export function mayOpen(me: Me, page: NavPage): boolean {
  switch (page) {
    case 'channels':
      return me.role !== 'customer_admin';
    default:
      return true;
  }
}

/** Adding a Direct Routing service (Add Service, Add New Tenant) is the provider's and the channel's work. */
export const canAddServices = (me: Me) => me.role !== 'customer_admin';
