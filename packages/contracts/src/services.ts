import { z } from 'zod';
import { IdSchema, ListQuerySchema, TimestampSchema, nameField, pageOf } from './common.ts';
import { EmailSchema } from './auth.ts';
import { LifecycleStateSchema, ServiceLifecycleSchema } from './lifecycle.ts';
import { ServiceHealthSummarySchema } from './health.ts';

/** A customer's Direct Routing services together may not license more users than this. */
export const CUSTOMER_LICENSED_USER_LIMIT = 500;

export const SHORT_NAME_MIN = 3;
export const SHORT_NAME_MAX = 15;
export const FORBIDDEN_SHORT_NAME_CHARS = ['\\', '/', ':', '*', '?', '"', '<', '>', '|'] as const;

/**
 * Why a short name is not acceptable, or null when it is. One message per name, the most fundamental rule
 * first, in words an operator understands (the name becomes part of a DNS name).
 */
export function shortNameProblem(value: string): string | null {
  if (value.length === 0) return 'Enter a short name.';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (/\s/.test(ch)) return 'Spaces, tabs and line breaks are not allowed.';
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return 'Control characters are not allowed.';
    if (code > 0x7e)
      return `"${ch}" is not allowed: use only letters A–Z, digits and ASCII symbols, because the short name becomes part of a DNS name.`;
  }
  if (value.includes('.')) return 'The dot (.) is not allowed.';
  const forbidden = FORBIDDEN_SHORT_NAME_CHARS.filter((c) => value.includes(c));
  if (forbidden.length > 0) return `These characters are not allowed: ${forbidden.join(' ')}`;
  if (value.length < SHORT_NAME_MIN) return `At least ${SHORT_NAME_MIN} characters.`;
  if (value.length > SHORT_NAME_MAX) return `At most ${SHORT_NAME_MAX} characters.`;
  return null;
}

export const ShortNameSchema = z.string({ error: 'Enter a short name.' }).superRefine((value, ctx) => {
  const problem = shortNameProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** The DNS label derived from a short name: lower-cased, runs of other characters become one hyphen. */
export function deriveSubdomainLabel(shortName: string): string {
  return shortName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Microsoft accepts a derived-trunk FQDN of at most 63 characters. */
export const TRUNK_FQDN_MAX = 63;

export function subdomainLabelProblem(label: string): string | null {
  if (label.length === 0) return 'Enter a subdomain label.';
  if (label.length > 63) return 'At most 63 characters.';
  if (!/^[a-z0-9-]+$/i.test(label)) return 'Use only letters, digits and hyphens.';
  if (label.startsWith('-') || label.endsWith('-')) return 'A hyphen may not start or end the label.';
  return null;
}

export const SubdomainLabelSchema = z
  .string({ error: 'Enter a subdomain label.' })
  .trim()
  .toLowerCase()
  .superRefine((value, ctx) => {
    const problem = subdomainLabelProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const ServiceStatuses = [
  'draft',
  'pending-invitation',
  'awaiting-token',
  'connected',
  'configuring',
  'active',
  'failed',
  'offboarding',
  'removed',
] as const;
export const ServiceStatusSchema = z.enum(ServiceStatuses);
export type ServiceStatus = z.infer<typeof ServiceStatusSchema>;

export const serviceStatusLabels: Record<ServiceStatus, string> = {
  draft: 'Draft',
  'pending-invitation': 'Pending invitation',
  'awaiting-token': 'Awaiting token',
  connected: 'Connected',
  configuring: 'Configuring',
  active: 'Active',
  failed: 'Failed',
  offboarding: 'Offboarding',
  removed: 'Removed',
};

/** Statuses in which names and user count may still change and the service may be deleted outright. */
/** Statuses before the tenant is connected: a connection moves the service on to "connected". */
export const PRE_CONNECTION_STATUSES: readonly ServiceStatus[] = [
  'draft',
  'pending-invitation',
  'awaiting-token',
  'failed',
];

export const EDITABLE_SERVICE_STATUSES: readonly ServiceStatus[] = [
  'draft',
  'pending-invitation',
  'awaiting-token',
  'connected',
  'failed',
];
export const DELETABLE_SERVICE_STATUSES: readonly ServiceStatus[] = [
  'draft',
  'pending-invitation',
  'awaiting-token',
];

export const LicenseTypeSchema = z.object({ id: z.string(), name: z.string(), description: z.string() });
export type LicenseType = z.infer<typeof LicenseTypeSchema>;

export const LicensedUsersSchema = z
  .number({ error: 'Enter a whole number from 1 to 500.' })
  .int({ error: 'Enter a whole number from 1 to 500.' })
  .min(1, { error: 'At least 1 user.' })
  .max(CUSTOMER_LICENSED_USER_LIMIT, {
    error: `At most ${CUSTOMER_LICENSED_USER_LIMIT} users per customer.`,
  });

export const AdminAuthSchema = z.discriminatedUnion(
  'method',
  [
    z.object({
      method: z.literal('credentials'),
      username: EmailSchema.describe("The tenant's Global admin or service account admin (UPN)"),
      password: z.string({ error: 'Enter the password.' }).min(1, { error: 'Enter the password.' }).max(256),
    }),
    z.object({
      method: z.literal('invite'),
      email: EmailSchema.describe('The IT administrator who receives the invitation'),
    }),
  ],
  { error: 'Choose credentials or an invitation.' },
);
export type AdminAuth = z.infer<typeof AdminAuthSchema>;

export const ServiceCreateSchema = z.object({
  customerId: IdSchema,
  type: z.literal('direct-routing', { error: 'Only direct-routing services exist.' }),
  fullName: nameField(200),
  shortName: ShortNameSchema,
  subdomain: SubdomainLabelSchema.optional(),
  licenseType: z.string({ error: 'Choose a licence type.' }).min(1, { error: 'Choose a licence type.' }),
  licensedUsers: LicensedUsersSchema,
  adminAuth: AdminAuthSchema,
});
export type ServiceCreate = z.infer<typeof ServiceCreateSchema>;

export const ServiceUpdateSchema = z
  .object({
    fullName: nameField(200).optional(),
    shortName: ShortNameSchema.optional(),
    /** A label of its own; null derives it from the short name again. */
    subdomain: SubdomainLabelSchema.nullable().optional(),
    licensedUsers: LicensedUsersSchema.optional(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), {
    error: 'Give at least one field to change.',
    path: ['fullName'],
  });
export type ServiceUpdate = z.infer<typeof ServiceUpdateSchema>;

export const ServiceSchema = z.object({
  id: IdSchema,
  customerId: IdSchema,
  customerName: z.string(),
  type: z.literal('direct-routing'),
  fullName: z.string(),
  shortName: z.string(),
  subdomain: z.string(),
  /** The subdomain was chosen rather than derived from the short name, so it stays when the short name changes. */
  subdomainOverridden: z.boolean(),
  /** The trunk's zone: the SBC base domain when the service was created (later changes leave it). */
  zone: z.string(),
  trunkFqdn: z.string(),
  /** Default routing has run, so the trunk name may exist in the tenant and in DNS: it can no longer change. */
  trunkNameFixed: z.boolean(),
  licenseType: z.string(),
  licenseTypeName: z.string(),
  licensedUsers: z.number().int(),
  status: ServiceStatusSchema,
  /** 0–100: how far onboarding has come. */
  progress: z.number().int(),
  adminAuthMethod: z.enum(['credentials', 'invite']),
  adminUsername: z.string().nullable(),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
  /**
   * The lifecycle derived from the service's facets (`deriveLifecycle`): state, label, colour, progress, next
   * action, allowed actions. `status` and `progress` above are derived from it too.
   */
  lifecycle: ServiceLifecycleSchema,
  /** The overall light of the latest health check (`health.ts`); null before the first check. */
  health: ServiceHealthSummarySchema.nullable().optional(),
});
export type Service = z.infer<typeof ServiceSchema>;

export const ServiceSortFields = [
  'createdAt',
  'fullName',
  'shortName',
  'customerName',
  'status',
  'licensedUsers',
] as const;
export const ServiceListQuerySchema = ListQuerySchema.extend({
  customerId: IdSchema.optional(),
  status: ServiceStatusSchema.optional(),
  /** Filter by the derived lifecycle state. */
  state: LifecycleStateSchema.optional(),
  sort: z.enum(ServiceSortFields).default('createdAt'),
  order: z.enum(['asc', 'desc']).default('desc'),
  /**
   * Keyset pagination: the `nextCursor` of the page before (same sort and order); `page` is then ignored. Pages
   * further on cost the same as the first, with or without the `status`/`state` filters; not with the `status` sort.
   */
  cursor: z
    .string()
    .max(1000)
    .regex(/^[A-Za-z0-9_-]+$/, { error: 'Not a cursor.' })
    .optional(),
});
export type ServiceListQuery = z.infer<typeof ServiceListQuerySchema>;
export const ServicePageSchema = pageOf(ServiceSchema).extend({
  /** True when `total` is the database's estimate (more than 10,000 matches); exact otherwise. */
  totalIsEstimate: z.boolean(),
  /** Pass as `cursor` for the page after this one; null on the last page. */
  nextCursor: z.string().nullable(),
});
export type ServicePage = z.infer<typeof ServicePageSchema>;

/** What POST /services answers: the service and, for an invitation, what happened to it. */
export const ServiceCreatedSchema = ServiceSchema.extend({
  invitation: z.object({ id: IdSchema, email: z.string(), expiresAt: TimestampSchema }).nullable(),
  /** With admin credentials: the outcome of the one-time token request (the password is not kept). */
  connection: z.lazy(() => ConnectionAttemptSchema).nullable(),
});
export type ServiceCreated = z.infer<typeof ServiceCreatedSchema>;

export const AvailabilityQuerySchema = z.object({
  shortName: z.string().max(200).optional(),
  subdomain: z.string().max(200).optional(),
  /** A service being edited: its own names do not count as taken. */
  exceptServiceId: IdSchema.optional(),
});
export const FieldAvailabilitySchema = z.object({
  value: z.string(),
  valid: z.boolean(),
  available: z.boolean(),
  message: z.string().nullable(),
});
export const AvailabilitySchema = z.object({
  shortName: FieldAvailabilitySchema.nullable(),
  /** The label that applies: the override when given, else the one derived from the short name. */
  subdomain: FieldAvailabilitySchema.extend({ fqdn: z.string() }).nullable(),
});
export type Availability = z.infer<typeof AvailabilitySchema>;

export const CustomerUsageSchema = z.object({
  licensedUsers: z.object({ used: z.number().int(), limit: z.number().int(), remaining: z.number().int() }),
});
export type CustomerUsage = z.infer<typeof CustomerUsageSchema>;

/** The new-tenant form as a draft: any subset of its fields, never the password. */
export const ServiceDraftDataSchema = z.object({
  fullName: z.string().max(200).optional(),
  shortName: z.string().max(100).optional(),
  subdomain: z.string().max(100).optional(),
  licenseType: z.string().max(100).optional(),
  licensedUsers: z.number().int().min(0).max(100_000).nullable().optional(),
  adminAuthMethod: z.enum(['credentials', 'invite']).optional(),
  adminUsername: z.string().max(254).optional(),
  inviteEmail: z.string().max(254).optional(),
  step: z.number().int().min(0).max(10).optional(),
});
export type ServiceDraftData = z.infer<typeof ServiceDraftDataSchema>;
export const ServiceDraftSchema = z.object({
  customerId: IdSchema,
  data: ServiceDraftDataSchema,
  updatedAt: TimestampSchema,
});
export type ServiceDraft = z.infer<typeof ServiceDraftSchema>;

export const ConnectionMethods = ['credentials', 'delegated', 'admin-consent', 'own-app'] as const;
export const ConnectionMethodSchema = z.enum(ConnectionMethods);
export type ConnectionMethod = z.infer<typeof ConnectionMethodSchema>;

/** The secure connection to the customer's Microsoft 365, as the operator sees it (never a token or secret). */
export const ConnectionStatusSchema = z.object({
  serviceId: IdSchema,
  /**
   * `confirming`: the tenant admin consented, and Microsoft has not confirmed access yet (a freshly consented app
   * replicates for seconds to minutes); Trunkline keeps trying until `confirmation.deadline`.
   */
  state: z.enum(['not-connected', 'confirming', 'connected', 'failed']),
  /** While `confirming`: since when, until when, how many tries, and Microsoft's last answer. */
  confirmation: z
    .object({
      tenantId: z.string(),
      startedAt: TimestampSchema,
      deadline: TimestampSchema,
      attempts: z.number().int(),
      lastError: z.string().nullable(),
    })
    .optional(),
  method: ConnectionMethodSchema.nullable(),
  tenantId: z.string().nullable(),
  adminUsername: z.string().nullable(),
  grantedPermissions: z.array(z.string()),
  /** The customer's own app registration, when that is the method (never its secret). */
  clientId: z.string().nullable(),
  secretExpiresAt: TimestampSchema.nullable(),
  tokenExpiresAt: TimestampSchema.nullable(),
  lastSuccessAt: TimestampSchema.nullable(),
  lastError: z.string().nullable(),
  lastErrorAt: TimestampSchema.nullable(),
  teamsRole: z.object({
    /** Whether the automation's service principal holds Teams Administrator in the tenant. */
    state: z.enum(['unknown', 'assigned', 'missing']),
    /** What was done, or the exact steps for the admin when Trunkline could not assign it. */
    message: z.string().nullable(),
    checkedAt: TimestampSchema.nullable(),
  }),
});
export type ConnectionStatus = z.infer<typeof ConnectionStatusSchema>;

/** What happened to the admin credentials given with a new service: used once for a token, then dropped. */
export const ConnectionAttemptSchema = z.object({
  state: z.enum(['connected', 'failed']),
  reason: z
    .enum([
      'mfa_required',
      'invalid_credentials',
      'federated',
      'consent_required',
      'unknown_tenant',
      'not_configured',
      'unavailable',
      'rejected',
    ])
    .nullable(),
  message: z.string(),
});
export type ConnectionAttempt = z.infer<typeof ConnectionAttemptSchema>;

/** Application permissions Trunkline needs in a customer tenant (the README lists them for the provider app). */
export const REQUIRED_APP_PERMISSIONS = [
  'Organization.Read.All',
  'Domain.ReadWrite.All',
  'User.ReadWrite.All',
  'LicenseAssignment.ReadWrite.All',
] as const;

/** "Use your own app registration" on the invitation page. */
export const OwnAppConnectionSchema = z.object({
  token: z.string().min(10).max(200),
  tenantId: z.uuid({ error: 'The directory (tenant) ID is a GUID.' }),
  clientId: z.uuid({ error: 'The application (client) ID is a GUID.' }),
  clientSecret: z
    .string({ error: 'Enter the client secret value.' })
    .min(1, { error: 'Enter the client secret value.' })
    .max(512),
  secretExpiresAt: z.iso.date({ error: 'A date, e.g. 2027-06-30.' }).optional(),
});
export type OwnAppConnection = z.infer<typeof OwnAppConnectionSchema>;

/** The directory role the automation's service principal needs for Direct Routing objects (Teams ConfigAPI). */
export const TEAMS_ADMINISTRATOR_ROLE = {
  name: 'Teams Administrator',
  templateId: '69091246-20e8-4a56-aa4d-066075b2a7a8',
} as const;

/** The application permission the Teams Notification Service app needs to read call records. */
export const NOTIFICATION_APP_PERMISSION = 'CallRecords.Read.All';

/** Step 9: the M365 settings of a connected service, as shown (never the notification secret). */
export const M365SettingsSchema = z.object({
  serviceId: IdSchema,
  tenantId: z.string(),
  /** The tenant's verified domains from /organization; the first is the initial *.onmicrosoft.com one. */
  verifiedDomains: z.array(z.object({ name: z.string(), isInitial: z.boolean(), isDefault: z.boolean() })),
  m365Domain: z.string(),
  grantAdminAccess: z.object({ channelAdmins: z.boolean(), customerAdmins: z.boolean() }),
  notificationApp: z
    .object({ clientId: z.string(), validatedAt: TimestampSchema, permissions: z.array(z.string()) })
    .nullable(),
  /** False until the operator saved the step once. */
  saved: z.boolean(),
});
export type M365Settings = z.infer<typeof M365SettingsSchema>;

export const M365SettingsUpdateSchema = z.object({
  m365Domain: z
    .string({ error: 'Choose one of the verified domains of the tenant.' })
    .trim()
    .toLowerCase()
    .min(3, { error: 'Choose one of the verified domains of the tenant.' })
    .max(253),
  grantAdminAccess: z.object({ channelAdmins: z.boolean(), customerAdmins: z.boolean() }),
  /**
   * The Teams Notification Service app: both fields to set or replace it, null to remove it, absent to keep
   * what is stored.
   */
  notificationApp: z
    .object({
      clientId: z.uuid({ error: 'The application (client) ID is a GUID.' }),
      clientSecret: z
        .string({ error: 'Enter the client secret value.' })
        .min(1, { error: 'Enter the client secret value.' })
        .max(512),
    })
    .nullable()
    .optional(),
});
export type M365SettingsUpdate = z.infer<typeof M365SettingsUpdateSchema>;
