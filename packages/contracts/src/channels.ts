import { z } from 'zod';
import { IdSchema, ListQuerySchema, TimestampSchema, nameField, pageOf } from './common.ts';

export const ChannelSchema = z.object({
  id: IdSchema,
  name: z.string(),
  customerCount: z.number().int(),
  createdAt: TimestampSchema,
});
export type Channel = z.infer<typeof ChannelSchema>;

export const ChannelCreateSchema = z.object({ name: nameField() });
export type ChannelCreate = z.infer<typeof ChannelCreateSchema>;
export const ChannelUpdateSchema = z.object({ name: nameField() });
export type ChannelUpdate = z.infer<typeof ChannelUpdateSchema>;

export const ChannelListQuerySchema = ListQuerySchema;
export const ChannelPageSchema = pageOf(ChannelSchema);
