import { z } from 'zod';
import { IdSchema, ListQuerySchema, TimestampSchema, nameField, pageOf } from './common.ts';

export const CustomerSchema = z.object({
  id: IdSchema,
  name: z.string(),
  channelId: IdSchema.nullable(),
  channelName: z.string().nullable(),
  createdAt: TimestampSchema,
});
export type Customer = z.infer<typeof CustomerSchema>;

export const CustomerCreateSchema = z.object({
  name: nameField(),
  channelId: IdSchema.nullable().optional(),
});
export type CustomerCreate = z.infer<typeof CustomerCreateSchema>;

export const CustomerUpdateSchema = z
  .object({
    name: nameField().optional(),
    channelId: IdSchema.nullable().optional(),
  })
  .refine((v) => v.name !== undefined || v.channelId !== undefined, {
    error: 'Give at least one field to change.',
    path: ['name'],
  });
export type CustomerUpdate = z.infer<typeof CustomerUpdateSchema>;

export const CustomerListQuerySchema = ListQuerySchema.extend({ channelId: IdSchema.optional() });
export type CustomerListQuery = z.infer<typeof CustomerListQuerySchema>;
export const CustomerPageSchema = pageOf(CustomerSchema);
