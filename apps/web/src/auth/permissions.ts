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
