import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../platform/db/database.ts';
import { consentConfirmations } from '../platform/db/schema.ts';

export type ConsentConfirmation = {
  serviceId: string;
  invitationId: string;
  tenantId: string;
  startedAt: string;
  deadline: string;
  attempts: number;
  lastError: string | null;
};

/**
 * Admin consents being confirmed (one per service), keyed by a service id the flow found through its consumed
 * OAuth state (no actor's scope: the callback and the job act for the system).
 */
export function createConsentConfirmationsRepository(db: Executor) {
  const map = (r: typeof consentConfirmations.$inferSelect): ConsentConfirmation => ({
    ...r,
    startedAt: r.startedAt.toISOString(),
    deadline: r.deadline.toISOString(),
  });
  return {
    /** Starts (or restarts, for a new consent) the confirmation of a service's consent. */
    async start(input: {
      serviceId: string;
      invitationId: string;
      tenantId: string;
      deadline: Date;
      lastError: string;
    }) {
      const values = { ...input, startedAt: new Date(), attempts: 1 };
      await db
        .insert(consentConfirmations)
        .values(values)
        .onConflictDoUpdate({ target: consentConfirmations.serviceId, set: values });
    },
    async get(serviceId: string): Promise<ConsentConfirmation | null> {
      const [row] = await db
        .select()
        .from(consentConfirmations)
        .where(eq(consentConfirmations.serviceId, serviceId));
      return row ? map(row) : null;
    },
    /** One more refused attempt, with Microsoft's answer. */
    async attempted(serviceId: string, lastError: string) {
      await db
        .update(consentConfirmations)
        .set({ attempts: sql`${consentConfirmations.attempts} + 1`, lastError })
        .where(eq(consentConfirmations.serviceId, serviceId));
    },
    async remove(serviceId: string) {
      await db.delete(consentConfirmations).where(eq(consentConfirmations.serviceId, serviceId));
    },
  };
}
export type ConsentConfirmationsRepository = ReturnType<typeof createConsentConfirmationsRepository>;
