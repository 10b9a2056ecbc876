import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Executor } from '../platform/db/database.ts';
import { oauthStates } from '../platform/db/schema.ts';

/** OAuth states, by the SHA-256 of the value handed to Microsoft. */
export function createOAuthStatesRepository(db: Executor) {
  return {
    async create(input: {
      id: string;
      purpose: string;
      invitationId: string | null;
      serviceId: string | null;
      tenantId?: string | null;
      nonce?: string | null;
      expiresAt: Date;
      codeVerifierSealed?: string | null;
    }) {
      await db.insert(oauthStates).values(input);
    },
    /** Marks the state used and returns it, once: a second call, or an expired state, gets null. */
    async consume(
      id: string,
      purpose: string,
    ): Promise<{
      invitationId: string | null;
      serviceId: string | null;
      tenantId: string | null;
      nonce: string | null;
      codeVerifierSealed: string | null;
    } | null> {
      const [row] = await db
        .update(oauthStates)
        .set({ usedAt: new Date() })
        .where(
          and(
            eq(oauthStates.id, id),
            eq(oauthStates.purpose, purpose),
            isNull(oauthStates.usedAt),
            gt(oauthStates.expiresAt, new Date()),
          ),
        )
        .returning({
          invitationId: oauthStates.invitationId,
          serviceId: oauthStates.serviceId,
          tenantId: oauthStates.tenantId,
          nonce: oauthStates.nonce,
          codeVerifierSealed: oauthStates.codeVerifierSealed,
        });
      return row ?? null;
    },
  };
}
export type OAuthStatesRepository = ReturnType<typeof createOAuthStatesRepository>;
