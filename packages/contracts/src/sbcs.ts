import { z } from 'zod';
import { IdSchema, TimestampSchema, nameField, text } from './common.ts';
import { IpAddressSchema } from './routing.ts';
import { DomainNameSchema } from './settings.ts';

/** The SBC kinds Trunkline configures. */
export const SbcKinds = ['audiocodes', 'kamailio'] as const;
export const SbcKindSchema = z.enum(SbcKinds, { error: 'Must be audiocodes or kamailio.' });
export type SbcKindName = z.infer<typeof SbcKindSchema>;
export const sbcKindLabels: Record<SbcKindName, string> = {
  audiocodes: 'AudioCodes Mediant',
  kamailio: 'Kamailio',
};

/**
 * The configuration model (Microsoft's carrier model): a shared carrier trunk with per-customer dial-plan rows
 * (the default), or an IP Group per customer.
 */
export const SbcModels = ['shared-trunk', 'ip-group-per-customer'] as const;
export const SbcModelSchema = z.enum(SbcModels, {
  error: 'Must be shared-trunk or ip-group-per-customer.',
});
export type SbcModelName = z.infer<typeof SbcModelSchema>;
export const sbcModelLabels: Record<SbcModelName, string> = {
  'shared-trunk': 'Shared carrier trunk',
  'ip-group-per-customer': 'IP Group per customer',
};

/** Loopback hosts, where plain http:// keeps the credentials on the machine (the sandbox's emulator). */
const isLoopbackHost = (hostname: string) =>
  hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);

/**
 * The management API's base URL: https://, or http:// only on a loopback host (every request carries the
 * password in its Basic authentication), without credentials in it.
 */
export const SbcManagementUrlSchema = text()
  .trim()
  .max(500, { error: 'At most 500 characters.' })
  .refine(
    (v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password;
      } catch {
        return false;
      }
    },
    { error: 'Must be an https URL without credentials, e.g. https://sbc1-mgmt.provider.net.' },
  )
  .refine(
    (v) => {
      try {
        const u = new URL(v);
        return u.protocol !== 'http:' || isLoopbackHost(u.hostname);
      } catch {
        return true;
      }
    },
    {
      error: 'Must be https:// (http:// only on this machine): every request carries the SBC password.',
    },
  );

const capacity = (what: string) =>
  z
    .number({ error: `The ${what} is a whole number.` })
    .int({ error: `The ${what} is a whole number.` })
    .min(1, { error: 'At least 1.' })
    .max(1_000_000, { error: 'At most 1,000,000.' })
    .nullable();

/**
 * The body to add an SBC (POST) or change one (PATCH: the whole entry again). `password` absent keeps the stored
 * one (none on create), `null` clears it. `isDefault` absent keeps the flag (the first SBC becomes the default);
 * `true` moves the default here; the default cannot be unset, only moved.
 */
export const SbcWriteSchema = z.object({
  name: nameField(100),
  kind: SbcKindSchema,
  managementUrl: SbcManagementUrlSchema,
  username: text().trim().max(200, { error: 'At most 200 characters.' }).nullable().optional(),
  password: text().min(1, { error: 'Enter the password, or leave it out.' }).max(1024).nullable().optional(),
  /** The carrier trunk FQDN Microsoft probes with OPTIONS (the customers' FQDNs are below it). */
  carrierFqdn: DomainNameSchema,
  /** Public addresses: every service on this SBC gets A/AAAA records with them. */
  addresses: z
    .array(IpAddressSchema)
    .min(1, { error: 'Give at least one public address.' })
    .max(8, { error: 'At most 8 addresses.' }),
  model: SbcModelSchema.default('shared-trunk'),
  maxCustomers: capacity('maximum number of customers').optional(),
  maxSessions: capacity('maximum number of sessions').optional(),
  /** A customer's session limit = ceil(licensed users × this factor), at least 1. */
  sessionsPerUser: z
    .number({ error: 'Must be a number, e.g. 1 or 0.5.' })
    .positive({ error: 'Must be more than 0.' })
    .max(100, { error: 'At most 100.' })
    .default(1),
  isDefault: z.boolean({ error: 'Must be true or false.' }).optional(),
});
export type SbcWrite = z.infer<typeof SbcWriteSchema>;
export type SbcWriteInput = z.input<typeof SbcWriteSchema>;

/** A customer's concurrent session limit on an SBC: ceil(licensed users × factor), at least 1. */
export const sessionLimitFor = (licensedUsers: number, sessionsPerUser: number): number =>
  Math.max(1, Math.ceil(licensedUsers * sessionsPerUser - 1e-9));

export const SbcErrorKinds = [
  'unauthorized',
  'forbidden',
  'busy',
  'rejected',
  'invalid',
  'unavailable',
  'malformed',
] as const;

/** What Test connection read from the device, or why it failed. */
export const SbcTestResultSchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    testedAt: TimestampSchema,
    product: z.string(),
    version: z.string(),
    /** Kind-specific facts (AudioCodes: saveNeeded, highAvailability, operationalState; Kamailio: tables). */
    details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  }),
  z.object({
    ok: z.literal(false),
    testedAt: TimestampSchema,
    error: z.enum(SbcErrorKinds),
    message: z.string(),
  }),
]);
export type SbcTestResult = z.infer<typeof SbcTestResultSchema>;

export const SbcSchema = z.object({
  id: IdSchema,
  name: z.string(),
  kind: SbcKindSchema,
  managementUrl: z.string(),
  username: z.string().nullable(),
  /** Whether a password is stored (it is never returned). */
  hasPassword: z.boolean(),
  carrierFqdn: z.string(),
  addresses: z.array(z.string()),
  model: SbcModelSchema,
  maxCustomers: z.number().int().nullable(),
  maxSessions: z.number().int().nullable(),
  sessionsPerUser: z.number(),
  isDefault: z.boolean(),
  /** Services whose trunk is on this SBC (an SBC in use cannot be removed). */
  serviceCount: z.number().int(),
  lastTest: SbcTestResultSchema.nullable(),
  /** The last time Test connection reached the device. */
  lastContactAt: TimestampSchema.nullable(),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
});
export type Sbc = z.infer<typeof SbcSchema>;

export const SbcListSchema = z.object({ items: z.array(SbcSchema) });
export type SbcList = z.infer<typeof SbcListSchema>;

/** Firmware family a template's columns are written for: a prefix of the device's versionID, e.g. 7.4. */
export const FirmwareFamilySchema = text()
  .trim()
  .regex(/^\d+(\.\d+)*[A-Za-z]?$/, { error: 'A firmware version prefix such as 7.4 or 7.40A.' })
  .max(20, { error: 'At most 20 characters.' });

/** A provider-editable SBC template: an onboarding INI fragment and its cleanup CLI script. */
export const SbcTemplateWriteSchema = z.object({
  name: nameField(100),
  model: SbcModelSchema,
  firmwareFamily: FirmwareFamilySchema.nullable().optional(),
  onboarding: text().max(20_000, { error: 'At most 20,000 characters.' }),
  cleanup: text().max(20_000, { error: 'At most 20,000 characters.' }),
});
export type SbcTemplateWrite = z.infer<typeof SbcTemplateWriteSchema>;

export const SbcTemplateSchema = z.object({
  id: IdSchema,
  name: z.string(),
  model: SbcModelSchema,
  firmwareFamily: z.string().nullable(),
  onboarding: z.string(),
  cleanup: z.string(),
  /** Trunkline's own template (none stored yet); the first change stores all of them. */
  builtIn: z.boolean(),
  updatedAt: TimestampSchema.nullable(),
});
export type SbcTemplateView = z.infer<typeof SbcTemplateSchema>;

export const SbcTemplateListSchema = z.object({
  items: z.array(SbcTemplateSchema),
  /** The variables a template may use, with what they stand for (shown beside the editor). */
  variables: z.array(z.object({ name: z.string(), description: z.string() })),
});
export type SbcTemplateList = z.infer<typeof SbcTemplateListSchema>;

/** The variables of SBC templates (`apps/server/src/sbc/templates.ts` implements them). */
export const sbcTemplateVariables = [
  {
    name: '{{customerFqdn}}',
    description: "The customer's FQDN (the derived trunk), e.g. woodgrove.sbc1.provider.net.",
  },
  { name: '{{shortName}}', description: "The service's short name, e.g. woodgrove." },
  {
    name: '{{sessionLimit}}',
    description:
      "Concurrent sessions allowed: ceil(licensed users × the SBC's sessions per user), at least 1.",
  },
  {
    name: '{{row.<Table>}}',
    description:
      'A row index Trunkline allocates in that table so customers never collide; every data row is indexed by it, and the cleanup removes the same rows (no … {{row.<Table>}}).',
  },
  {
    name: '{{#ranges}} … {{/ranges}}',
    description: 'Each on its own line: the lines between are repeated for every number range.',
  },
  {
    name: '{{range}}',
    description: 'Inside a ranges block: the range in AudioCodes notation, e.g. +4930123[1000-1999].',
  },
] as const;
