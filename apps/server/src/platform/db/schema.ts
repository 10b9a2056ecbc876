import { sql } from 'drizzle-orm';
import {
  boolean,
  foreignKey,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const roleEnum = pgEnum('role', ['provider_admin', 'channel_admin', 'customer_admin']);

export const channels = pgTable(
  'channels',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('channels_name_lower_uq').on(sql`lower(${t.name})`)],
);

export const customers = pgTable(
  'customers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    channelId: uuid('channel_id').references(() => channels.id, { onDelete: 'restrict' }),
    createdAt: createdAt(),
  },
  (t) => [
    // Names are unique within a channel (customers without a channel count as one channel), not across the
    // provider: a channel admin must not learn what other channels' customers are called.
    uniqueIndex('customers_channel_name_lower_uq').on(
      sql`coalesce(${t.channelId}, '00000000-0000-0000-0000-000000000000'::uuid)`,
      sql`lower(${t.name})`,
    ),
    index('customers_channel_idx').on(t.channelId),
    // The list's sort (by name, ignoring case).
    index('customers_name_lower_id_idx').on(sql`lower(${t.name})`, t.id),
    // The services search (and the customers list's) matches names with ILIKE '%q%': a trigram index serves it
    // from three characters (pg_trgm, created by migration 0023). Without GIN's pending list (fastupdate): PGlite
    // has no autovacuum to merge it, and every search would read it row by row.
    index('customers_name_trgm_idx').using('gin', t.name.op('gin_trgm_ops')).with({ fastupdate: false }),
  ],
);

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    role: roleEnum('role').notNull(),
    channelId: uuid('channel_id').references(() => channels.id, { onDelete: 'cascade' }),
    customerId: uuid('customer_id').references(() => customers.id, { onDelete: 'cascade' }),
    disabled: boolean('disabled').notNull().default(false),
    lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
    /** A customer admin who signs in with Microsoft: their tenant and object id (`tid`, `oid`). */
    entraTenantId: text('entra_tenant_id'),
    entraObjectId: text('entra_object_id'),
    /**
     * Two-factor sign-in (TOTP, RFC 6238): the shared secret sealed by the vault (bound to this row); enabled
     * once `totpEnabledAt` is set (confirmed by a first code). `totpLastStep` is the last accepted time step,
     * so a code works once.
     */
    totpSecretSealed: text('totp_secret_sealed'),
    totpEnabledAt: timestamp('totp_enabled_at', { withTimezone: true }),
    totpLastStep: integer('totp_last_step'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('users_email_uq').on(t.email),
    uniqueIndex('users_entra_identity_uq').on(t.entraTenantId, t.entraObjectId),
    index('users_channel_idx').on(t.channelId),
    index('users_customer_idx').on(t.customerId),
  ],
);

/** A signed-in browser. `id` is the SHA-256 of the cookie value; the cookie value itself is never stored. */
export const sessions = pgTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    lastUsedIp: text('last_used_ip'),
    /** Chosen at creation (default 90 days); tokens created before expiries existed got 90 days. */
    expiresAt: timestamp('expires_at', { withTimezone: true })
      .notNull()
      .default(sql`now() + interval '90 days'`),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('api_tokens_hash_uq').on(t.tokenHash), index('api_tokens_user_idx').on(t.userId)],
);

/** One-time recovery codes of a user's two-factor sign-in, stored as SHA-256 hashes. */
export const recoveryCodes = pgTable(
  'recovery_codes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index('recovery_codes_user_idx').on(t.userId)],
);

/**
 * A sign-in between the password and the second factor: not a session, it opens nothing but the second step.
 * `id` is the SHA-256 of the token handed to the browser; it expires in minutes and allows a few attempts.
 */
export const twoFactorChallenges = pgTable(
  'two_factor_challenges',
  {
    id: text('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** `verify`: the user has 2FA; `enrol`: 2FA is required for the role and must be set up first. */
    kind: text('kind').$type<'verify' | 'enrol'>().notNull(),
    attempts: integer('attempts').notNull().default(0),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('two_factor_challenges_user_idx').on(t.userId)],
);

/** Failed sign-ins, counted per e-mail and per address to throttle guessing. */
export const loginFailures = pgTable(
  'login_failures',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull(),
    ip: text('ip').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('login_failures_email_at_idx').on(t.email, t.at),
    index('login_failures_ip_at_idx').on(t.ip, t.at),
  ],
);

/** Append-only record of every change made through the API. */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actorId: uuid('actor_id'),
    actorEmail: text('actor_email'),
    channelId: uuid('channel_id'),
    customerId: uuid('customer_id'),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id'),
    outcome: text('outcome').notNull(),
    summary: jsonb('summary').$type<Record<string, unknown>>().notNull().default({}),
    ip: text('ip'),
    seq: integer('seq').generatedAlwaysAsIdentity(),
    /** Names as they were when the event was written, so the trail reads well after renames and deletions. */
    actorName: text('actor_name'),
    targetName: text('target_name'),
    customerName: text('customer_name'),
  },
  (t) => [
    index('audit_at_idx').on(t.at),
    index('audit_customer_idx').on(t.customerId),
    index('audit_channel_idx').on(t.channelId),
    index('audit_actor_idx').on(t.actorId),
  ],
);

/** Provider-wide settings: exactly one row (id = 1), seeded by the migrations. */
export const providerSettings = pgTable('provider_settings', {
  id: integer('id').primaryKey(),
  providerName: text('provider_name').notNull(),
  sbcBaseDomain: text('sbc_base_domain').notNull(),
  /** Provider and channel admins with a password must sign in with a second factor (TOTP). */
  requireTwoFactorForAdmins: boolean('require_two_factor_for_admins').notNull().default(false),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Licence types are data, so more can be added without code. Seeded by the migrations. */
export const licenseTypes = pgTable('license_types', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  description: text('description').notNull().default(''),
  sort: integer('sort').notNull().default(0),
});

export const services = pgTable(
  'services',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'restrict' }),
    type: text('type').$type<'direct-routing'>().notNull(),
    fullName: text('full_name').notNull(),
    shortName: text('short_name').notNull(),
    subdomain: text('subdomain').notNull(),
    /** The label was chosen, not derived from the short name (it stays when the short name changes). */
    subdomainOverridden: boolean('subdomain_overridden').notNull().default(false),
    /** The zone of the trunk: the SBC base domain when the service was created; later changes leave it. */
    zone: text('zone').notNull(),
    trunkFqdn: text('trunk_fqdn').notNull(),
    licenseType: text('license_type')
      .notNull()
      .references(() => licenseTypes.id),
    licensedUsers: integer('licensed_users').notNull(),
    status: text('status').notNull(),
    adminAuthMethod: text('admin_auth_method').$type<'credentials' | 'invite'>().notNull(),
    adminUsername: text('admin_username'),
    /** The SBC the service's trunk lives on; null: the default SBC when the SBC step runs (which then sets it). */
    sbcId: uuid('sbc_id').references(() => sbcs.id, { onDelete: 'restrict' }),
    createdBy: uuid('created_by'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('services_short_name_lower_uq').on(sql`lower(${t.shortName})`),
    uniqueIndex('services_subdomain_uq').on(t.subdomain),
    index('services_customer_idx').on(t.customerId),
    index('services_status_idx').on(t.status),
    // The list's default sort (newest first) and its keyset cursor.
    index('services_created_at_id_idx').on(t.createdAt, t.id),
    // The services search: ILIKE '%q%' on either name, served from three characters (pg_trgm, migration 0023).
    // No pending list (fastupdate), as for customers_name_trgm_idx.
    index('services_full_name_trgm_idx')
      .using('gin', t.fullName.op('gin_trgm_ops'))
      .with({ fastupdate: false }),
    index('services_short_name_trgm_idx')
      .using('gin', t.shortName.op('gin_trgm_ops'))
      .with({ fastupdate: false }),
  ],
);

/** The new-tenant form in progress, per user and customer. Never holds a password. */
export const serviceDrafts = pgTable(
  'service_drafts',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('service_drafts_user_customer_uq').on(t.userId, t.customerId)],
);

/**
 * An invitation to a tenant's IT admin. The link's token is never stored: it is derived from the master
 * key, the id and `tokenGeneration`; `tokenHash` (SHA-256) finds the invitation from a link.
 */
export const invitations = pgTable(
  'invitations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    serviceId: uuid('service_id')
      .notNull()
      .references(() => services.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    tokenHash: text('token_hash').notNull(),
    tokenGeneration: integer('token_generation').notNull().default(1),
    status: text('status').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdBy: uuid('created_by'),
    createdAt: createdAt(),
    lastSentAt: timestamp('last_sent_at', { withTimezone: true }),
    sendAttempts: integer('send_attempts').notNull().default(0),
    lastError: text('last_error'),
    openedAt: timestamp('opened_at', { withTimezone: true }),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('invitations_token_hash_uq').on(t.tokenHash),
    index('invitations_service_idx').on(t.serviceId),
  ],
);

/**
 * Data keys of the secrets vault. Each is a random AES-256 key stored only wrapped (AES-256-GCM) by the
 * master key; `masterKeyId` is a fingerprint of the master key that wrapped it, so a wrong MASTER_KEY is
 * detected before anything is decrypted. Rotating the master key rewraps these rows; ciphertexts stay.
 */
export const dataKeys = pgTable('data_keys', {
  id: uuid('id').primaryKey().defaultRandom(),
  wrappedKey: text('wrapped_key').notNull(),
  masterKeyId: text('master_key_id').notNull(),
  active: boolean('active').notNull().default(true),
  createdAt: createdAt(),
});

/**
 * The secure connection of a service to its customer's Microsoft 365 tenant. Tokens and client secrets are
 * stored only sealed by the vault, bound to this row.
 */
export const serviceConnections = pgTable('service_connections', {
  serviceId: uuid('service_id')
    .primaryKey()
    .references(() => services.id, { onDelete: 'cascade' }),
  method: text('method').notNull(),
  tenantId: text('tenant_id'),
  adminUsername: text('admin_username'),
  grantedPermissions: jsonb('granted_permissions').$type<string[]>().notNull().default([]),
  refreshTokenSealed: text('refresh_token_sealed'),
  clientId: text('client_id'),
  clientSecretSealed: text('client_secret_sealed'),
  secretExpiresAt: timestamp('secret_expires_at', { withTimezone: true }),
  tokenExpiresAt: timestamp('token_expires_at', { withTimezone: true }),
  lastSuccessAt: timestamp('last_success_at', { withTimezone: true }),
  lastError: text('last_error'),
  lastErrorAt: timestamp('last_error_at', { withTimezone: true }),
  /**
   * Whether the automation's service principal holds the Teams Administrator role in the tenant:
   * unknown (not checked yet), assigned, or missing (with the steps in teamsRoleMessage).
   */
  teamsRoleState: text('teams_role_state').notNull().default('unknown'),
  teamsRoleMessage: text('teams_role_message'),
  teamsRoleCheckedAt: timestamp('teams_role_checked_at', { withTimezone: true }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * An admin consent being confirmed: Microsoft redirected back with a tenant, but the app-only token or the read
 * of the tenant's organization was refused as Microsoft refuses a freshly consented app while its service principal
 * replicates (AADSTS700016, Graph 401/403/404). The `connection.confirm-consent` job tries again until
 * `deadline`; the row is removed when the connection is confirmed or given up (one per service).
 */
export const consentConfirmations = pgTable('consent_confirmations', {
  serviceId: uuid('service_id')
    .primaryKey()
    .references(() => services.id, { onDelete: 'cascade' }),
  invitationId: uuid('invitation_id')
    .notNull()
    .references(() => invitations.id, { onDelete: 'cascade' }),
  /** The tenant Microsoft's redirect named; confirmed only by a token and organization of that tenant. */
  tenantId: text('tenant_id').notNull(),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
  deadline: timestamp('deadline', { withTimezone: true }).notNull(),
  attempts: integer('attempts').notNull().default(1),
  /** Microsoft's last answer, in its words. */
  lastError: text('last_error'),
});

/** Step 9 of the wizard: the M365 settings of a service. */
export const serviceM365Settings = pgTable('service_m365_settings', {
  serviceId: uuid('service_id')
    .primaryKey()
    .references(() => services.id, { onDelete: 'cascade' }),
  m365Domain: text('m365_domain').notNull(),
  grantChannelAdmins: boolean('grant_channel_admins').notNull().default(true),
  grantCustomerAdmins: boolean('grant_customer_admins').notNull().default(false),
  /** The customer-side app registration of the Teams Notification Service (call records). */
  notificationClientId: text('notification_client_id'),
  notificationSecretSealed: text('notification_secret_sealed'),
  notificationValidatedAt: timestamp('notification_validated_at', { withTimezone: true }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * OAuth `state` values Trunkline has handed to Microsoft, stored as SHA-256: each is bound to one flow
 * (an invitation's, or a sign-in to one tenant), expires, and works once.
 */
export const oauthStates = pgTable('oauth_states', {
  id: text('id').primaryKey(),
  purpose: text('purpose').notNull(),
  invitationId: uuid('invitation_id').references(() => invitations.id, { onDelete: 'cascade' }),
  serviceId: uuid('service_id').references(() => services.id, { onDelete: 'cascade' }),
  /** Sign in with Microsoft: the tenant the browser was sent to, and the OIDC nonce. */
  tenantId: text('tenant_id'),
  nonce: text('nonce'),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
  /** PKCE code verifier of an authorization-code flow, sealed by the vault. */
  codeVerifierSealed: text('code_verifier_sealed'),
  createdAt: createdAt(),
});

/**
 * The provider's default-routing settings (one row): the settings as validated JSON, and the DNS provider's
 * secret (TSIG key or client secret) sealed by the vault.
 */
export const routingSettings = pgTable('routing_settings', {
  id: integer('id').primaryKey(),
  settings: jsonb('settings').notNull(),
  dnsSecretSealed: text('dns_secret_sealed'),
  /** Secrets of the DNS provider kinds not in use, sealed, kept so switching kinds and back loses nothing. */
  dnsSecretsParked: jsonb('dns_secrets_parked').$type<Record<string, string>>().notNull().default({}),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * The provider's SBCs (Settings → SBCs). A service's A/AAAA records point at its SBC's addresses; its rows are
 * written on that SBC. The management password only sealed by the vault (bound to the row), never returned.
 * At most one default (partial unique index).
 */
export const sbcs = pgTable(
  'sbcs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    kind: text('kind').$type<'audiocodes' | 'kamailio'>().notNull(),
    managementUrl: text('management_url').notNull(),
    username: text('username'),
    passwordSealed: text('password_sealed'),
    /** The carrier trunk FQDN Microsoft probes with OPTIONS. */
    carrierFqdn: text('carrier_fqdn').notNull(),
    /** Public IPv4/IPv6 addresses. */
    addresses: jsonb('addresses').$type<string[]>().notNull(),
    model: text('model').$type<'shared-trunk' | 'ip-group-per-customer'>().notNull().default('shared-trunk'),
    maxCustomers: integer('max_customers'),
    maxSessions: integer('max_sessions'),
    /** A customer's session limit = ceil(licensed users × this factor), at least 1. */
    sessionsPerUser: real('sessions_per_user').notNull().default(1),
    isDefault: boolean('is_default').notNull().default(false),
    /** The last Test connection: `SbcTestResult` of the contracts (ok or the failure). */
    lastTest: jsonb('last_test').$type<Record<string, unknown>>(),
    lastContactAt: timestamp('last_contact_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('sbcs_name_lower_uq').on(sql`lower(${t.name})`),
    uniqueIndex('sbcs_one_default_uq')
      .on(t.isDefault)
      .where(sql`${t.isDefault}`),
  ],
);

/** Provider-edited SBC templates (onboarding INI + cleanup CLI); none stored: the built-in defaults apply. */
export const sbcTemplates = pgTable(
  'sbc_templates',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    model: text('model').$type<'shared-trunk' | 'ip-group-per-customer'>().notNull(),
    firmwareFamily: text('firmware_family'),
    onboarding: text('onboarding').notNull(),
    cleanup: text('cleanup').notNull(),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('sbc_templates_name_lower_uq').on(sql`lower(${t.name})`)],
);

/**
 * A durable, resumable run for one service (onboarding or offboarding). At most one unfinished run per service;
 * a worker takes the run's lease before it runs a step, so two workers never work on one service at once.
 */
export const workflows = pgTable(
  'workflows',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    serviceId: uuid('service_id')
      .notNull()
      .references(() => services.id, { onDelete: 'cascade' }),
    kind: text('kind').$type<'onboard' | 'offboard'>().notNull(),
    status: text('status').$type<'running' | 'waiting' | 'failed' | 'succeeded' | 'cancelled'>().notNull(),
    configureDns: boolean('configure_dns').notNull(),
    /** What an onboarding run covers: default routing, routing + SBC (one run), or the SBC only. */
    scope: text('scope').$type<'routing' | 'routing+sbc' | 'sbc'>().notNull().default('routing'),
    /** The plan the run works to (names, FQDN, addresses), fixed when it starts. */
    plan: jsonb('plan').notNull(),
    leaseOwner: text('lease_owner'),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    index('workflows_service_idx').on(t.serviceId),
    uniqueIndex('workflows_one_open_per_service_uq')
      .on(t.serviceId)
      .where(sql`${t.status} not in ('succeeded', 'cancelled')`),
  ],
);

/**
 * The row indexes each service holds on an SBC (AudioCodes tables), so two customers never collide even when two
 * runs race: written in the transaction that checkpoints the Configure SBC step, before the device write (the
 * unique index refuses the second claim of an index); kept until offboarding removed the rows.
 */
export const sbcAllocations = pgTable(
  'sbc_allocations',
  {
    sbcId: uuid('sbc_id')
      .notNull()
      .references(() => sbcs.id, { onDelete: 'restrict' }),
    tableName: text('table_name').notNull(),
    rowIndex: integer('row_index').notNull(),
    serviceId: uuid('service_id')
      .notNull()
      .references(() => services.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('sbc_allocations_row_uq').on(t.sbcId, t.tableName, t.rowIndex),
    index('sbc_allocations_service_idx').on(t.serviceId),
  ],
);

export const workflowSteps = pgTable(
  'workflow_steps',
  {
    workflowId: uuid('workflow_id')
      .notNull()
      .references(() => workflows.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    position: integer('position').notNull(),
    status: text('status').notNull(),
    attempts: integer('attempts').notNull().default(0),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    /** When the step first started waiting (for DNS, for Microsoft): the deadline counts from here. */
    waitingSince: timestamp('waiting_since', { withTimezone: true }),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
    message: text('message'),
    lastError: text('last_error'),
    /** What the step created (so offboarding removes only that). */
    outcome: jsonb('outcome'),
    /** Every time the step was tried again (throttled, failed for a passing reason, waited, a new token): when, why. */
    retries: jsonb('retries').$type<{ at: string; reason: string }[]>().notNull().default([]),
  },
  (t) => [primaryKey({ columns: [t.workflowId, t.name] })],
);

/**
 * The latest health check of each service (issue #11): when, the overall light and the five checks (lights,
 * reasons, drift) as validated JSON (`ServiceHealthSchema` in contracts). Keyed by the service, replaced by each check.
 */
export const serviceHealth = pgTable('service_health', {
  serviceId: uuid('service_id')
    .primaryKey()
    .references(() => services.id, { onDelete: 'cascade' }),
  checkedAt: timestamp('checked_at', { withTimezone: true }).notNull(),
  overall: text('overall').notNull(),
  checks: jsonb('checks').notNull(),
});

/**
 * A service's number ranges (issue #11), in order: the normalised form (`SbcNumberRange` in contracts: `kind`,
 * `digits` = the number or the prefix with `+`, a range's `from`/`to`), the text as entered and an optional
 * description. `stem` is the digits every covered number starts with (`numberRangeStem`): two ranges can overlap
 * only if one's stem starts the other's, so the overlap check looks up `stem like '<stem>%'` and the stem's own
 * prefixes through the pattern index, then compares exactly.
 */
export const serviceNumberRanges = pgTable(
  'service_number_ranges',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    serviceId: uuid('service_id')
      .notNull()
      .references(() => services.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    kind: text('kind').notNull(),
    digits: text('digits').notNull(),
    rangeFrom: text('range_from'),
    rangeTo: text('range_to'),
    stem: text('stem').notNull(),
    entered: text('entered').notNull(),
    description: text('description'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('service_number_ranges_position_uq').on(t.serviceId, t.position),
    index('service_number_ranges_stem_idx').using('btree', t.stem.op('text_pattern_ops')),
  ],
);

/**
 * QoE ingest (issue #15, `qoe/`): one Graph change-notification subscription on `/communications/callRecords` per
 * service with the Teams Notification Service app set. `client_state_sealed` is the random `clientState` sealed by
 * the vault (bound to the row); `graph_subscription_id` is unique (the webhook looks it up). The app's credentials
 * are kept with the subscription, so it can still be deleted after the setting is cleared or the service deleted.
 */
export const qoeSubscriptions = pgTable(
  'qoe_subscriptions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Null once the service is deleted: the row stays until the sync job has deleted the Graph subscription. */
    serviceId: uuid('service_id').references(() => services.id, { onDelete: 'set null' }),
    tenantId: text('tenant_id').notNull(),
    /** The Notification Service app the subscription was created with (its secret sealed, bound to this row). */
    appClientId: text('app_client_id').notNull(),
    appSecretSealed: text('app_secret_sealed').notNull(),
    /** Null while Graph has not (yet) created it; `last_error` says why. */
    graphSubscriptionId: text('graph_subscription_id'),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    clientStateSealed: text('client_state_sealed').notNull(),
    lastNotificationAt: timestamp('last_notification_at', { withTimezone: true }),
    lastRenewedAt: timestamp('last_renewed_at', { withTimezone: true }),
    lastError: text('last_error'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('qoe_subscriptions_service_uq').on(t.serviceId),
    uniqueIndex('qoe_subscriptions_graph_id_uq').on(t.graphSubscriptionId),
  ],
);

/**
 * The webhook's inbox: each accepted notification is persisted before the 202; the unique key (subscription,
 * resource id, change type) makes Graph's retries of the same notification one row. `processed_at` is set by the
 * fetch job.
 */
export const qoeNotifications = pgTable(
  'qoe_notifications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    subscriptionId: uuid('subscription_id')
      .notNull()
      .references(() => qoeSubscriptions.id, { onDelete: 'cascade' }),
    resourceId: text('resource_id').notNull(),
    changeType: text('change_type').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    processedAt: timestamp('processed_at', { withTimezone: true }),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
  },
  (t) => [
    uniqueIndex('qoe_notifications_uq').on(t.subscriptionId, t.resourceId, t.changeType),
    index('qoe_notifications_received_idx').on(t.receivedAt),
  ],
);

/** One row per call record of a service (the highest `version` seen replaces older ones). */
export const qoeCalls = pgTable(
  'qoe_calls',
  {
    serviceId: uuid('service_id')
      .notNull()
      .references(() => services.id, { onDelete: 'cascade' }),
    callId: text('call_id').notNull(),
    version: integer('version').notNull(),
    type: text('type').notNull(),
    modalities: text('modalities').array().notNull(),
    startAt: timestamp('start_at', { withTimezone: true }).notNull(),
    endAt: timestamp('end_at', { withTimezone: true }).notNull(),
    lastModifiedAt: timestamp('last_modified_at', { withTimezone: true }),
    sessionCount: integer('session_count').notNull(),
    /** Any session or segment endpoint is a PSTN number / a Direct Routing (mediation server) leg. */
    hasPstn: boolean('has_pstn').notNull(),
    streamCount: integer('stream_count').notNull(),
    poorStreamCount: integer('poor_stream_count').notNull(),
    failureReason: text('failure_reason'),
    fetchedAt: timestamp('fetched_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.serviceId, t.callId] }),
    // The dashboards (qoe/dashboard.repository.ts) read calls by time, overall or for the services in scope; the
    // counts they add up ride along in the keys, so those reads are index-only scans (docs/BENCHMARKS.md "QoE").
    index('qoe_calls_service_start_idx').on(t.serviceId, t.startAt, t.poorStreamCount, t.streamCount),
    index('qoe_calls_start_idx').on(t.startAt, t.serviceId, t.poorStreamCount, t.streamCount),
  ],
);

/**
 * One row per media stream of a call (session → segment → media → stream flattened, with the session's and
 * segment's ids, endpoints and failure info on each row). Times in milliseconds; rates as fractions.
 */
export const qoeStreams = pgTable(
  'qoe_streams',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    serviceId: uuid('service_id').notNull(),
    callId: text('call_id').notNull(),
    sessionId: text('session_id').notNull(),
    segmentId: text('segment_id').notNull(),
    startAt: timestamp('start_at', { withTimezone: true }).notNull(),
    endAt: timestamp('end_at', { withTimezone: true }),
    callerKind: text('caller_kind').notNull(),
    calleeKind: text('callee_kind').notNull(),
    callerId: text('caller_id'),
    calleeId: text('callee_id'),
    modalities: text('modalities').array().notNull(),
    mediaLabel: text('media_label'),
    direction: text('direction'),
    audioCodec: text('audio_codec'),
    videoCodec: text('video_codec'),
    avgJitterMs: real('avg_jitter_ms'),
    maxJitterMs: real('max_jitter_ms'),
    avgPacketLoss: real('avg_packet_loss'),
    maxPacketLoss: real('max_packet_loss'),
    avgRoundTripMs: real('avg_round_trip_ms'),
    maxRoundTripMs: real('max_round_trip_ms'),
    avgAudioDegradation: real('avg_audio_degradation'),
    avgConcealedRatio: real('avg_concealed_ratio'),
    maxConcealedRatio: real('max_concealed_ratio'),
    mediaBypassed: boolean('media_bypassed'),
    /** Microsoft's call-quality thresholds exceeded (`POOR_AUDIO_THRESHOLDS` in contracts' qoe-dashboard.ts). */
    poor: boolean('poor').notNull(),
    failureStage: text('failure_stage'),
    failureReason: text('failure_reason'),
  },
  (t) => [
    foreignKey({
      columns: [t.serviceId, t.callId],
      foreignColumns: [qoeCalls.serviceId, qoeCalls.callId],
    }).onDelete('cascade'),
    index('qoe_streams_call_idx').on(t.serviceId, t.callId),
    // The dashboards' stream statistics (counts, poor per threshold, percentiles) read only these columns: with
    // them in the keys a month of a million streams is an index-only scan of a fifth of the table's size.
    index('qoe_streams_service_start_idx').on(
      t.serviceId,
      t.startAt,
      t.poor,
      t.avgJitterMs,
      t.avgPacketLoss,
      t.avgRoundTripMs,
      t.avgAudioDegradation,
      t.avgConcealedRatio,
    ),
    index('qoe_streams_start_idx').on(
      t.startAt,
      t.serviceId,
      t.poor,
      t.avgJitterMs,
      t.avgPacketLoss,
      t.avgRoundTripMs,
      t.avgAudioDegradation,
      t.avgConcealedRatio,
    ),
  ],
);

/** Direct Routing log rows (getDirectRoutingCalls): SIP outcomes, including failed calls without a call record. */
export const qoeDrCalls = pgTable(
  'qoe_dr_calls',
  {
    serviceId: uuid('service_id')
      .notNull()
      .references(() => services.id, { onDelete: 'cascade' }),
    id: text('id').notNull(),
    correlationId: text('correlation_id'),
    callType: text('call_type'),
    startAt: timestamp('start_at', { withTimezone: true }).notNull(),
    endAt: timestamp('end_at', { withTimezone: true }),
    successful: boolean('successful').notNull(),
    finalSipCode: integer('final_sip_code'),
    finalSipPhrase: text('final_sip_phrase'),
    callEndSubReason: integer('call_end_sub_reason'),
    trunkFqdn: text('trunk_fqdn'),
    callerNumber: text('caller_number'),
    calleeNumber: text('callee_number'),
    durationSeconds: integer('duration_seconds'),
    mediaBypass: boolean('media_bypass'),
  },
  (t) => [
    primaryKey({ columns: [t.serviceId, t.id] }),
    // The dashboards' attempt counts and SIP codes by time (overall, or for the services in scope), index-only.
    index('qoe_dr_calls_service_start_idx').on(
      t.serviceId,
      t.startAt,
      t.successful,
      t.finalSipCode,
      t.finalSipPhrase,
    ),
    index('qoe_dr_calls_start_idx').on(
      t.startAt,
      t.serviceId,
      t.successful,
      t.finalSipCode,
      t.finalSipPhrase,
    ),
  ],
);

/** Per service: how far the Direct Routing log has been pulled (the next pull starts a little before). */
export const qoeDrCursors = pgTable('qoe_dr_cursors', {
  serviceId: uuid('service_id')
    .primaryKey()
    .references(() => services.id, { onDelete: 'cascade' }),
  pulledUntil: timestamp('pulled_until', { withTimezone: true }).notNull(),
  lastError: text('last_error'),
});
