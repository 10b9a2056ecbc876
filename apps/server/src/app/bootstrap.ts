import { recordAudit } from '../audit/audit.ts';
import { systemActor } from '../access/actor.ts';
import { generatePassword, hashPassword } from '../platform/crypto.ts';
import { uniqueViolation } from '../platform/db/queries.ts';
import type { UnitOfWork } from '../platform/db/unit-of-work.ts';
import type { Repositories } from './repositories.ts';

/**
 * On the first start (no users at all) creates the provider admin. Without a configured password one is
 * generated and returned so the caller can print it once; it is stored only as a scrypt hash.
 */
export async function ensureProviderAdmin(
  uow: UnitOfWork<Repositories>,
  admin: { email: string; password: string | undefined },
): Promise<{ created: false } | { created: true; email: string; generatedPassword: string | null }> {
  const password = admin.password ?? generatePassword();
  const passwordHash = await hashPassword(password);
  try {
    return await uow(async (r) => {
      if ((await r.users.count()) > 0) return { created: false as const };
      const user = await r.users.create(
        { kind: 'provider' },
        {
          email: admin.email,
          name: 'Provider admin',
          role: 'provider_admin',
          passwordHash,
          channelId: null,
          customerId: null,
        },
      );
      await recordAudit(r.audit, systemActor('bootstrap'), {
        action: 'user.create',
        targetType: 'user',
        targetId: user.id,
        summary: { email: user.email, role: user.role },
      });
      return {
        created: true as const,
        email: admin.email,
        generatedPassword: admin.password ? null : password,
      };
    });
  } catch (e) {
    if (uniqueViolation(e) !== null) return { created: false }; // another process created it first
    throw e;
  }
}
