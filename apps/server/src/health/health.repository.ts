import { eq, sql } from 'drizzle-orm';
import { HealthCheckResultSchema, type ServiceHealth } from '@trunkline/contracts';
import { z } from 'zod';
import type { Executor } from '../platform/db/database.ts';
import { serviceHealth, workflows } from '../platform/db/schema.ts';

const ChecksSchema = z.array(HealthCheckResultSchema);

/**
 * The latest health result of each service. Keyed by a service id the service layer already found in the
 * actor's scope; `servicesToCheck` acts for the system (the scheduled fan-out) and sees every service.
 */
export function createHealthRepository(db: Executor) {
  return {
    async get(serviceId: string): Promise<ServiceHealth | null> {
      const [row] = await db.select().from(serviceHealth).where(eq(serviceHealth.serviceId, serviceId));
      if (!row) return null;
      const checks = ChecksSchema.parse(row.checks);
      return {
        serviceId: row.serviceId,
        checkedAt: row.checkedAt.toISOString(),
        overall: row.overall as ServiceHealth['overall'],
        checks,
        drift: checks.some((c) => c.drift.length > 0),
      };
    },

    /**
     * Keeps `health` unless a check that started later was stored already (two checks of one service may overlap:
     * an on-demand one and a scheduled one); answers whether it was stored.
     */
    async save(health: ServiceHealth): Promise<boolean> {
      const checkedAt = new Date(health.checkedAt);
      const rows = await db
        .insert(serviceHealth)
        .values({ serviceId: health.serviceId, checkedAt, overall: health.overall, checks: health.checks })
        .onConflictDoUpdate({
          target: serviceHealth.serviceId,
          set: { checkedAt, overall: health.overall, checks: health.checks },
          setWhere: sql`${serviceHealth.checkedAt} <= ${checkedAt.toISOString()}::timestamptz`,
        })
        .returning({ serviceId: serviceHealth.serviceId });
      return rows.length > 0;
    },

    /** Services worth a scheduled check (system-wide): onboarded at least once and not removed since. */
    async servicesToCheck(): Promise<string[]> {
      const rows = await db
        .selectDistinct({ serviceId: workflows.serviceId })
        .from(workflows)
        .where(
          sql`${workflows.kind} = 'onboard' and not exists (select 1 from ${workflows} o where o.service_id = ${workflows.serviceId} and o.kind = 'offboard' and o.status <> 'cancelled')`,
        );
      return rows.map((r) => r.serviceId);
    },
  };
}
export type HealthRepository = ReturnType<typeof createHealthRepository>;
