import { z } from 'zod';
import { IdSchema, ListQuerySchema, TimestampSchema, pageOf } from './common.ts';

export const AuditEventSchema = z.object({
  id: IdSchema,
  at: TimestampSchema,
  actorId: IdSchema.nullable(),
  actorEmail: z.string(),
  channelId: IdSchema.nullable(),
  customerId: IdSchema.nullable(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string().nullable(),
  outcome: z.enum(['success', 'failure']),
  summary: z.record(z.string(), z.unknown()),
  ip: z.string().nullable(),
});
export type AuditEvent = z.infer<typeof AuditEventSchema>;

export const AuditListQuerySchema = ListQuerySchema.omit({ q: true }).extend({
  customerId: IdSchema.optional(),
  actorId: IdSchema.optional(),
  action: z.string().trim().max(100).optional(),
  from: z.iso
    .datetime({ offset: true, error: 'Must be an ISO date-time, e.g. 2026-01-31T00:00:00Z.' })
    .optional(),
  to: z.iso
    .datetime({ offset: true, error: 'Must be an ISO date-time, e.g. 2026-01-31T23:59:59Z.' })
    .optional(),
});
export type AuditListQuery = z.infer<typeof AuditListQuerySchema>;
export const AuditPageSchema = pageOf(AuditEventSchema);
