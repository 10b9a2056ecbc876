import { z } from 'zod';
import { IdSchema, ListQuerySchema, TimestampSchema, pageOf } from './common.ts';

export const InvitationStatuses = [
  'queued',
  'sent',
  'send-failed',
  'opened',
  'completed',
  'expired',
  'revoked',
] as const;
export const InvitationStatusSchema = z.enum(InvitationStatuses);
export type InvitationStatus = z.infer<typeof InvitationStatusSchema>;

export const invitationStatusLabels: Record<InvitationStatus, string> = {
  queued: 'Queued',
  sent: 'Sent',
  'send-failed': 'Send failed',
  opened: 'Opened',
  completed: 'Completed',
  expired: 'Expired',
  revoked: 'Revoked',
};

export const InvitationSchema = z.object({
  id: IdSchema,
  serviceId: IdSchema,
  serviceName: z.string(),
  customerId: IdSchema,
  customerName: z.string(),
  email: z.string(),
  status: InvitationStatusSchema,
  createdAt: TimestampSchema,
  lastSentAt: TimestampSchema.nullable(),
  sendAttempts: z.number().int(),
  lastError: z.string().nullable(),
  expiresAt: TimestampSchema,
  openedAt: TimestampSchema.nullable(),
});
export type Invitation = z.infer<typeof InvitationSchema>;

export const InvitationListQuerySchema = ListQuerySchema.extend({
  status: InvitationStatusSchema.optional(),
  customerId: IdSchema.optional(),
});
export type InvitationListQuery = z.infer<typeof InvitationListQuerySchema>;
export const InvitationPageSchema = pageOf(InvitationSchema);

export const InvitationLinkSchema = z.object({ link: z.url() });

/** What the invitation page learns from its token; nothing else about the service is revealed. */
export const InvitationOpenBodySchema = z.object({ token: z.string().min(10).max(200) });
export const InvitationViewSchema = z.object({
  /** `superseded`: a newer link was sent for the same service (a resend, or a new invitation). */
  state: z.enum(['valid', 'expired', 'used', 'revoked', 'superseded']),
  providerName: z.string(),
  /** Only while the link is valid: a used, revoked, expired or superseded link names no customer or service. */
  customerName: z.string().nullable(),
  serviceName: z.string().nullable(),
  expiresAt: TimestampSchema,
});
export type InvitationView = z.infer<typeof InvitationViewSchema>;
