import { z } from 'zod';
import { IdSchema, ListQuerySchema, TimestampSchema, pageOf } from './common.ts';

export const AuditEventSchema = z.object({
  id: IdSchema,
  at: TimestampSchema,
  actorId: IdSchema.nullable(),
  actorEmail: z.string(),
  /** The actor's name when the event was written ("Trunkline" for the system). */
  actorName: z.string().nullable(),
  channelId: IdSchema.nullable(),
  customerId: IdSchema.nullable(),
  /** The customer's name when the event was written. */
  customerName: z.string().nullable(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string().nullable(),
  /** The target's name when the event was written (kept after the object is renamed or deleted). */
  targetName: z.string().nullable(),
  outcome: z.enum(['success', 'failure']),
  /** One sentence for people, e.g. "Anna Admin configured default routing for Contoso — Redmond HQ". */
  sentence: z.string(),
  /** The details as recorded (JSON), shown behind a disclosure. */
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

/** GET /audit/export.csv: the same filters and scope as the list, every matching event (no paging). */
export const AuditExportQuerySchema = AuditListQuerySchema.omit({ page: true, pageSize: true });
export type AuditExportQuery = z.infer<typeof AuditExportQuerySchema>;

type SentenceInput = Pick<
  AuditEvent,
  | 'actorName'
  | 'actorEmail'
  | 'action'
  | 'outcome'
  | 'targetType'
  | 'targetId'
  | 'targetName'
  | 'customerName'
> & { summary: Record<string, unknown> };

/** What each action did, as a verb phrase before its object. */
const verbs: Record<string, string> = {
  'service.create': 'added',
  'service.update': 'changed',
  'service.delete': 'deleted',
  'service.m365-settings': 'saved the M365 settings of',
  'service.number-ranges': 'changed the number ranges of',
  'routing.start': 'configured default routing for',
  'routing.retry': 'retried default routing for',
  'routing.offboard': 'started removing',
  'routing.complete': 'finished default routing for',
  'routing.offboard-complete': 'finished removing',
  'routing.step': 'ran a routing step for',
  'sbc.configure': 'started configuring the SBC for',
  'sbc.complete': 'finished configuring the SBC for',
  'service.repair': 'repaired',
  'invitation.send': 'sent an invitation for',
  'invitation.resend': 'resent the invitation for',
  'invitation.revoke': 'revoked the invitation for',
  'connection.establish': 'connected Microsoft 365 for',
  'connection.teams-role': 'checked the Teams role for',
  'customer.create': 'added customer',
  'customer.update': 'changed customer',
  'channel.create': 'added channel',
  'channel.update': 'changed channel',
  'user.create': 'added user',
  'user.update': 'changed user',
  'user.delete': 'deleted user',
  'session.login': 'signed in',
  'session.logout': 'signed out',
  'session.password': 'changed their password',
  'session.two-factor': 'completed two-factor sign-in',
  'settings.update': 'changed the provider settings',
  'settings.routing': 'changed the default-routing settings',
  'api-token.create': 'created API token',
  'api-token.revoke': 'revoked API token',
  'auth.microsoft-access-ended': 'ended Sign in with Microsoft after removing',
  'sbc.create': 'added SBC',
  'sbc.update': 'changed SBC',
  'sbc.delete': 'deleted SBC',
  'sbc.test': 'tested the connection to SBC',
  'sbc-template.create': 'added SBC template',
  'sbc-template.update': 'changed SBC template',
  'sbc-template.delete': 'deleted SBC template',
};

/** Actions that concern the actor only: no object follows the verb. */
const intransitive = new Set([
  'session.login',
  'session.logout',
  'session.password',
  'session.two-factor',
  'settings.update',
  'settings.routing',
]);

const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);

/** The event as one sentence for people; names as they were when it was written. */
export function auditSentence(e: SentenceInput): string {
  const actor = e.actorEmail.startsWith('system:')
    ? 'Trunkline'
    : e.actorName?.trim() || e.actorEmail || 'Someone';
  const verb =
    (Object.hasOwn(verbs, e.action) ? verbs[e.action] : undefined) ?? e.action.replace(/[._-]+/g, ' ').trim();
  const name =
    e.targetName ??
    str(e.summary.fullName) ??
    str(e.summary.name) ??
    str(e.summary.email) ??
    (e.targetId ? `${e.targetType} ${e.targetId.slice(0, 8)}` : null);
  let object = '';
  if (!intransitive.has(e.action)) {
    const isService = e.targetType === 'service' || e.targetType === 'invitation';
    object =
      isService && e.customerName && name
        ? ` ${e.customerName} — ${name}`
        : name
          ? ` ${name}`
          : e.customerName
            ? ` ${e.customerName}`
            : '';
  }
  const step = e.action === 'routing.step' && str(e.summary.step) ? ` (${str(e.summary.step)})` : '';
  const failed = e.outcome === 'failure' ? ' — failed' : '';
  return `${actor} ${verb}${object}${step}${failed}`;
}
