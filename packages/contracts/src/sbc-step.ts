import { z } from 'zod';
import { IdSchema } from './common.ts';
import { PlanBlockerSchema } from './routing.ts';
import { SbcKindSchema, SbcModelSchema } from './sbcs.ts';

/**
 * The Configure SBC step as the API shows it: the plan preview (the exact INI/CLI text or table rows that will be
 * written and removed, computed from the device's actual state without changing anything) and the request that
 * starts the run.
 */

/** One change: the exact text or rows that will be sent, and the table rows it touches. */
export const SbcChangeSchema = z.object({
  action: z.enum(['write', 'remove']),
  /** `ini`/`cli`: AudioCodes text; `rows`: Kamailio table rows. */
  format: z.enum(['ini', 'cli', 'rows']),
  text: z.string(),
  /** `DialPlanRule 100`, … */
  objects: z.array(z.string()),
});
export type SbcChange = z.infer<typeof SbcChangeSchema>;

export const SbcPlanPreviewSchema = z.object({
  serviceId: IdSchema,
  sbc: z.object({ id: IdSchema, name: z.string(), kind: SbcKindSchema, model: SbcModelSchema }),
  /** The customer FQDN the Contact host toward Teams carries. */
  customerFqdn: z.string(),
  /** ceil(licensed users × the SBC's sessions per user), at least 1. */
  sessionLimit: z.number().int().min(1),
  /** The service's number ranges, as written (`+4930123[1000-1999]`). */
  ranges: z.array(z.string()),
  /** Empty: the SBC already holds what it should. */
  changes: z.array(SbcChangeSchema),
  /** Rows at a recorded place that no longer hold what Trunkline wrote: left alone. */
  foreign: z.array(z.string()),
  notes: z.array(z.string()),
  /** The preview could not read the device (the run may still succeed later), with the reason. */
  warnings: z.array(z.string()),
  /** Rows that block the run (no number range, no SBC, a template error); Configure SBC answers 409 with them. */
  blocking: z.array(PlanBlockerSchema),
});
export type SbcPlanPreview = z.infer<typeof SbcPlanPreviewSchema>;

/** Preview the plan on an SBC (absent: the service's SBC, else the default). */
export const SbcPreviewRequestSchema = z.object({ sbcId: IdSchema.optional() });
export type SbcPreviewRequest = z.infer<typeof SbcPreviewRequestSchema>;

/** Configure SBC: starts an "SBC only" run on the SBC (absent: the service's SBC, else the default). */
export const SbcConfigureSchema = z.object({
  sbcId: IdSchema.optional(),
  confirm: z.literal(true, { error: 'Confirm to configure the SBC.' }),
});
export type SbcConfigure = z.infer<typeof SbcConfigureSchema>;
