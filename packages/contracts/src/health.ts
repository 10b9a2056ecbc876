import { z } from 'zod';
import { TimestampSchema } from './common.ts';

/**
 * The per-service health check (issue #11): five checks, each a traffic light with the reason when not green.
 * `grey` means "not applicable / not configured" (e.g. the service has no SBC yet), never a failure.
 */
export const HealthLights = ['green', 'amber', 'red', 'grey'] as const;
export const HealthLightSchema = z.enum(HealthLights);
export type HealthLight = z.infer<typeof HealthLightSchema>;

export const HealthCheckNames = ['dns', 'certificate', 'sbc', 'tenant', 'sip-options'] as const;
export const HealthCheckNameSchema = z.enum(HealthCheckNames);
export type HealthCheckName = z.infer<typeof HealthCheckNameSchema>;

export const healthCheckLabels: Record<HealthCheckName, string> = {
  dns: 'DNS',
  certificate: 'Certificate',
  sbc: 'SBC rows',
  tenant: 'Tenant',
  'sip-options': 'SIP OPTIONS',
};

/** One object that is not as Trunkline configured it (drift): what it is, what was expected, what was found. */
export const HealthDifferenceSchema = z.object({
  object: z.string(),
  expected: z.string().nullable(),
  actual: z.string().nullable(),
});
export type HealthDifference = z.infer<typeof HealthDifferenceSchema>;

export const HealthCheckResultSchema = z.object({
  name: HealthCheckNameSchema,
  light: HealthLightSchema,
  /** Why the light is not green, in plain words (a short fact when green). */
  reason: z.string(),
  /** Objects that differ from what Trunkline configured: Repair re-runs the workflow to put them back. */
  drift: z.array(HealthDifferenceSchema),
  /** Facts the check read (addresses resolved, certificate names and expiry, the SIP answer). */
  details: z.record(z.string(), z.string()),
});
export type HealthCheckResult = z.infer<typeof HealthCheckResultSchema>;

export const ServiceHealthSchema = z.object({
  serviceId: z.string(),
  checkedAt: TimestampSchema,
  overall: HealthLightSchema,
  checks: z.array(HealthCheckResultSchema),
  /** Some check shows drift: Repair is offered. */
  drift: z.boolean(),
});
export type ServiceHealth = z.infer<typeof ServiceHealthSchema>;

/** What GET /services/{id}/health answers: the latest result, or null before the first check. */
export const ServiceHealthResponseSchema = z.object({ health: ServiceHealthSchema.nullable() });
export type ServiceHealthResponse = z.infer<typeof ServiceHealthResponseSchema>;

/** The light the Services list shows: the overall light of the latest check. */
export const ServiceHealthSummarySchema = z.object({
  overall: HealthLightSchema,
  checkedAt: TimestampSchema,
});
export type ServiceHealthSummary = z.infer<typeof ServiceHealthSummarySchema>;

const rank: Record<HealthLight, number> = { grey: 0, green: 1, amber: 2, red: 3 };

/** The worst light of the checks; grey only when every check is grey (nothing applies yet). */
export function overallLight(lights: readonly HealthLight[]): HealthLight {
  return lights.reduce<HealthLight>((worst, l) => (rank[l] > rank[worst] ? l : worst), 'grey');
}
