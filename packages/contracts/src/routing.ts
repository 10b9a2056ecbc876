import { z } from 'zod';
import { IdSchema, TimestampSchema } from './common.ts';
import { DomainNameSchema } from './settings.ts';

/** An IPv4 or IPv6 address of the SBC (customer subdomains get A/AAAA records, never a CNAME). */
export const IpAddressSchema = z.union([z.ipv4(), z.ipv6()], {
  error: 'Must be an IPv4 or IPv6 address, e.g. 203.0.113.10.',
});

const teamsName = (label: string) =>
  z
    .string({ error: `Enter the ${label}.` })
    .trim()
    .min(1, { error: `Enter the ${label}.` })
    .max(64, { error: 'At most 64 characters.' })
    .regex(/^[^\\/:*?"<>|]+$/, { error: 'Must not contain \\ / : * ? " < > |.' });

export const DnsProviderKinds = ['rfc2136', 'azure', 'manual'] as const;
export const TeamsExecutorKinds = ['config-api', 'powershell'] as const;

/** The DNS provider of the SBC zone; its secret (TSIG key or client secret) is written only, never read. */
export const DnsProviderSettingsSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('rfc2136'),
    /** The zone's primary server, `host` or `host:port`. */
    server: z.string().trim().min(1, { error: 'Enter the DNS server (host or host:port).' }).max(260),
    keyName: z.string().trim().min(1, { error: 'Enter the TSIG key name.' }).max(253),
  }),
  z.object({
    kind: z.literal('azure'),
    subscriptionId: z.uuid({ error: 'The subscription ID is a GUID.' }),
    resourceGroup: z.string().trim().min(1).max(90),
    tenantId: z.uuid({ error: 'The directory (tenant) ID is a GUID.' }),
    clientId: z.uuid({ error: 'The application (client) ID is a GUID.' }),
  }),
  z.object({
    kind: z.literal('manual'),
    /** Resolvers to check the records with, `host` or `host:port`. */
    resolvers: z.array(z.string().trim().min(1).max(260)).min(1).max(4),
  }),
]);
export type DnsProviderSettings = z.infer<typeof DnsProviderSettingsSchema>;

const routingFields = {
  sbcAddresses: z
    .array(IpAddressSchema)
    .min(1, { error: 'Give at least one SBC address.' })
    .max(8, { error: 'At most 8 addresses.' }),
  dnsTtl: z.number().int().min(60).max(86_400),
  pstnUsage: teamsName('PSTN usage name'),
  voiceRoute: z.object({
    name: teamsName('voice route name'),
    numberPattern: z
      .string()
      .trim()
      .min(1, { error: 'Enter a number pattern, e.g. .*' })
      .max(500)
      .refine(
        (p) => {
          try {
            new RegExp(p);
            return true;
          } catch {
            return false;
          }
        },
        { error: 'Must be a regular expression, e.g. .* or ^\\+49' },
      ),
    priority: z.number().int().min(0).max(100),
  }),
  policyName: teamsName('voice routing policy name'),
  activationUser: z.object({
    localPart: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?$/, { error: 'Letters, digits, . _ - (1–64).' }),
    usageLocation: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{2}$/, { error: 'A two-letter country code, e.g. US.' }),
    /** SKU part numbers in order of preference, e.g. MCOEV, ENTERPRISEPACK. */
    skus: z
      .array(z.string().trim().min(1).max(100))
      .min(1, { error: 'Give at least one acceptable licence (SKU part number).' })
      .max(20),
  }),
  dns: DnsProviderSettingsSchema,
  /** How long domain verification is retried before the service waits for DNS. */
  dnsVerifyDeadlineMinutes: z.number().int().min(1).max(10_080),
  /** How long the Teams API may refuse a newly activated domain before the step fails (Microsoft: up to 24 h). */
  teamsActivationDeadlineHours: z.number().int().min(1).max(168),
  teamsExecutor: z.enum(TeamsExecutorKinds),
  /**
   * Also grant the voice routing policy as each tenant's global default (Grant-CsOnlineVoiceRoutingPolicy -Global);
   * offboarding reverts it while it is still that policy. Settings saved before it existed read as false.
   */
  grantGlobalPolicy: z.boolean().default(false),
};

export const RoutingSettingsSchema = z.object({
  ...routingFields,
  sbcAddresses: z.array(z.string()),
  sbcBaseDomain: z.string(),
  /** False until a provider admin saved them: defaults (and the environment's) are shown. */
  saved: z.boolean(),
  /** Whether the DNS provider's secret is stored (it is never returned). */
  dnsSecretSet: z.boolean(),
});
export type RoutingSettings = z.infer<typeof RoutingSettingsSchema>;

export const RoutingSettingsUpdateSchema = z.object({
  ...routingFields,
  sbcBaseDomain: DomainNameSchema,
  /** The TSIG secret (base64) or the Azure client secret; absent keeps the stored one. */
  dnsSecret: z.string().min(1).max(1024).optional(),
});
export type RoutingSettingsUpdate = z.infer<typeof RoutingSettingsUpdateSchema>;

export const WorkflowKinds = ['onboard', 'offboard'] as const;
export const WorkflowStatuses = ['running', 'waiting', 'failed', 'succeeded', 'cancelled'] as const;
export const StepStatuses = ['pending', 'running', 'waiting', 'succeeded', 'failed', 'skipped'] as const;
export const StepNames = ['dns', 'domain', 'activation', 'voice-routing', 'configure-sbc'] as const;
export type StepName = (typeof StepNames)[number];

export const stepLabels: Record<StepName, string> = {
  dns: 'DNS records for the derived trunk',
  domain: 'Domain added and verified in the tenant',
  activation: 'Activation user with a Teams licence',
  'voice-routing': 'PSTN usage, voice route and voice routing policy',
  'configure-sbc': "The customer's rows on the SBC",
};

/** What an onboarding run covers: default routing, routing and the SBC in one run, or the SBC only. */
export const WorkflowScopes = ['routing', 'routing+sbc', 'sbc'] as const;
export type WorkflowScope = (typeof WorkflowScopes)[number];

export const WorkflowStepSchema = z.object({
  name: z.enum(StepNames),
  status: z.enum(StepStatuses),
  attempts: z.number().int(),
  startedAt: TimestampSchema.nullable(),
  finishedAt: TimestampSchema.nullable(),
  nextAttemptAt: TimestampSchema.nullable(),
  /** What the step did or is waiting for, in plain words. */
  message: z.string().nullable(),
  lastError: z.string().nullable(),
  /**
   * Every time the step was tried again, oldest first (the newest 50): Microsoft throttling (Retry-After), a passing
   * failure, a wait (e.g. for DNS to show), an access token Microsoft refused and Trunkline asked for again.
   */
  retries: z.array(z.object({ at: TimestampSchema, reason: z.string() })),
});
export type WorkflowStep = z.infer<typeof WorkflowStepSchema>;

export const WorkflowSchema = z.object({
  id: IdSchema,
  serviceId: IdSchema,
  kind: z.enum(WorkflowKinds),
  status: z.enum(WorkflowStatuses),
  configureDns: z.boolean(),
  scope: z.enum(WorkflowScopes),
  steps: z.array(WorkflowStepSchema),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
  finishedAt: TimestampSchema.nullable(),
});
export type Workflow = z.infer<typeof WorkflowSchema>;

export const PlanChangeSchema = z.object({
  area: z.enum(['dns', 'tenant', 'teams', 'sbc']),
  object: z.string(),
  identity: z.string(),
  action: z.enum(['create', 'update', 'delete', 'none']),
  detail: z.string(),
});
export type PlanChange = z.infer<typeof PlanChangeSchema>;

/** A row of the preview that means the run would fail: starting is refused (409) until it is fixed. */
export const PlanBlockerSchema = z.object({
  /** A step name, or `settings` / `teams-role`. */
  row: z.string(),
  /** What is wrong, in plain words (e.g. "The Teams admin API refused (403): …"). */
  reason: z.string(),
  /** What fixes it (e.g. "Assign Teams Administrator …, then Re-check the role."). */
  fix: z.string(),
});
export type PlanBlocker = z.infer<typeof PlanBlockerSchema>;

export const PlanPreviewSchema = z.object({
  serviceId: IdSchema,
  trunkFqdn: z.string(),
  configureDns: z.boolean(),
  changes: z.array(PlanChangeSchema),
  /** Steps that could not be previewed for a passing reason, with the reason (they do not block). */
  warnings: z.array(z.string()),
  /** Rows that block the run; "Configure M365 default routing" is disabled with these reasons. */
  blocking: z.array(PlanBlockerSchema),
});
export type PlanPreview = z.infer<typeof PlanPreviewSchema>;

export const RoutingStartSchema = z.object({
  configureDns: z.boolean(),
  /** "Routing + SBC" in one run: the Configure SBC step follows the routing steps. */
  configureSbc: z.boolean().optional(),
  /** The SBC for it (absent: the service's, else the default). */
  sbcId: IdSchema.optional(),
});
export type RoutingStart = z.infer<typeof RoutingStartSchema>;
export const PlanQuerySchema = z.object({
  configureDns: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
});
