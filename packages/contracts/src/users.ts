import { z } from 'zod';
import { IdSchema, ListQuerySchema, TimestampSchema, nameField, pageOf } from './common.ts';
import { RoleSchema } from './access.ts';
import { EmailSchema, PasswordSchema, UserIdentitySchema } from './auth.ts';

export const UserSchema = UserIdentitySchema.extend({
  disabled: z.boolean(),
  /** Whether the user signs in with a second factor (TOTP). */
  twoFactorEnabled: z.boolean(),
  lastLoginAt: TimestampSchema.nullable(),
  createdAt: TimestampSchema,
});
export type User = z.infer<typeof UserSchema>;

export const UserCreateSchema = z
  .object({
    email: EmailSchema,
    name: nameField(),
    role: RoleSchema,
    password: PasswordSchema,
    channelId: IdSchema.nullable().optional(),
    customerId: IdSchema.nullable().optional(),
  })
  .superRefine((v, ctx) => {
    if (v.role === 'channel_admin' && !v.channelId)
      ctx.addIssue({ code: 'custom', path: ['channelId'], message: 'A channel admin needs a channel.' });
    if (v.role === 'customer_admin' && !v.customerId)
      ctx.addIssue({ code: 'custom', path: ['customerId'], message: 'A customer admin needs a customer.' });
    if (v.role !== 'channel_admin' && v.channelId)
      ctx.addIssue({ code: 'custom', path: ['channelId'], message: 'Only a channel admin has a channel.' });
    if (v.role !== 'customer_admin' && v.customerId)
      ctx.addIssue({
        code: 'custom',
        path: ['customerId'],
        message: 'Only a customer admin has a customer.',
      });
  });
export type UserCreate = z.infer<typeof UserCreateSchema>;

export const UserUpdateSchema = z
  .object({
    name: nameField().optional(),
    password: PasswordSchema.optional(),
    disabled: z.boolean({ error: 'Must be true or false.' }).optional(),
    /** Turns the user's two-factor sign-in off (lost authenticator and recovery codes); they set it up again. */
    resetTwoFactor: z.literal(true, { error: 'Must be true.' }).optional(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), {
    error: 'Give at least one field to change.',
    path: ['name'],
  });
export type UserUpdate = z.infer<typeof UserUpdateSchema>;

export const UserListQuerySchema = ListQuerySchema.extend({
  role: RoleSchema.optional(),
  customerId: IdSchema.optional(),
  channelId: IdSchema.optional(),
});
export type UserListQuery = z.infer<typeof UserListQuerySchema>;
export const UserPageSchema = pageOf(UserSchema);
