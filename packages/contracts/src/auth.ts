import { z } from 'zod';
import { IdSchema, TimestampSchema, nameField } from './common.ts';
import { RoleSchema } from './access.ts';

export const EmailSchema = z
  .string({ error: 'Required.' })
  .trim()
  .toLowerCase()
  .max(254, { error: 'At most 254 characters.' })
  .pipe(z.email({ error: 'Must be an e-mail address.' }));

export const PasswordSchema = z
  .string({ error: 'Required.' })
  .min(12, { error: 'At least 12 characters.' })
  .max(200, { error: 'At most 200 characters.' });

export const LoginBodySchema = z.object({
  email: EmailSchema,
  password: z.string({ error: 'Required.' }).min(1, { error: 'Required.' }).max(200),
});
export type LoginBody = z.infer<typeof LoginBodySchema>;

/** Who a user is and where they belong: the part of a user that `Me` and `User` share. */
export const UserIdentitySchema = z.object({
  id: IdSchema,
  email: z.string(),
  name: z.string(),
  role: RoleSchema,
  channelId: IdSchema.nullable(),
  customerId: IdSchema.nullable(),
});

export const MeSchema = UserIdentitySchema.extend({
  authenticatedBy: z.enum(['session', 'api-token']),
});
export type Me = z.infer<typeof MeSchema>;

/** API tokens expire: 90 days unless chosen otherwise, at most the provider's maximum (API_TOKEN_MAX_DAYS). */
export const ApiTokenCreateSchema = z.object({
  name: nameField(100),
  expiresInDays: z
    .number({ error: 'Must be a whole number of days.' })
    .int({ error: 'Must be a whole number of days.' })
    .min(1, { error: 'At least 1 day.' })
    .max(3650, { error: 'At most 3650 days.' })
    .optional(),
});
export type ApiTokenCreate = z.infer<typeof ApiTokenCreateSchema>;

/** The token is in this response only; the server keeps a hash. */
export const ApiTokenCreatedSchema = z.object({
  id: IdSchema,
  name: z.string(),
  token: z.string(),
  createdAt: TimestampSchema,
  expiresAt: TimestampSchema,
});
export type ApiTokenCreated = z.infer<typeof ApiTokenCreatedSchema>;

/** An API token as its owner sees it: never its value. */
export const ApiTokenSchema = z.object({
  id: IdSchema,
  name: z.string(),
  createdAt: TimestampSchema,
  expiresAt: TimestampSchema,
  lastUsedAt: TimestampSchema.nullable(),
  /** The address the token was last used from. */
  lastUsedIp: z.string().nullable(),
});
export type ApiToken = z.infer<typeof ApiTokenSchema>;
export const ApiTokenListSchema = z.object({ items: z.array(ApiTokenSchema) });

/** "Sign in with Microsoft": the work e-mail tells which tenant to send the browser to. */
export const MicrosoftSignInStartSchema = z.object({ email: EmailSchema });
export type MicrosoftSignInStart = z.infer<typeof MicrosoftSignInStartSchema>;
