import { z } from 'zod';
import { nameField } from './common.ts';

/** A DNS name such as sbc.provider.example: labels of letters, digits and inner hyphens, at least two. */
export const DomainNameSchema = z
  .string({ error: 'Enter a domain name.' })
  .trim()
  .toLowerCase()
  .max(253, { error: 'At most 253 characters.' })
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/, {
    error: 'Must be a domain name such as sbc.provider.example.',
  });

export const ProviderSettingsSchema = z.object({
  providerName: z.string(),
  sbcBaseDomain: z.string(),
  /** Provider and channel admins who sign in with a password must use a second factor (TOTP). */
  requireTwoFactorForAdmins: z.boolean(),
});
export type ProviderSettings = z.infer<typeof ProviderSettingsSchema>;

export const ProviderSettingsUpdateSchema = z
  .object({
    providerName: nameField(200).optional(),
    sbcBaseDomain: DomainNameSchema.optional(),
    requireTwoFactorForAdmins: z.boolean({ error: 'Must be true or false.' }).optional(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), {
    error: 'Give at least one field to change.',
    path: ['providerName'],
  });
export type ProviderSettingsUpdate = z.infer<typeof ProviderSettingsUpdateSchema>;
