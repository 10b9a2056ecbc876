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
