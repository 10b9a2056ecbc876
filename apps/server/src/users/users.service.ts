import type { Page, Role, User, UserCreate, UserListQuery, UserUpdate } from '@trunkline/contracts';
import { scopeOf, type Actor } from '../access/actor.ts';
import type { AuditRepository } from '../audit/audit.repository.ts';
import type { AuthRepository } from '../auth/auth.repository.ts';
import type { ChannelsRepository } from '../channels/channels.repository.ts';
import type { CustomersRepository } from '../customers/customers.repository.ts';
import type { UsersRepository } from './users.repository.ts';
import { recordAudit } from '../audit/audit.ts';
import { AppError, conflict, forbidden, notFound } from '../platform/errors.ts';
import { hashPassword } from '../platform/crypto.ts';
import type { UnitOfWork } from '../platform/db/unit-of-work.ts';

const rank: Record<Role, number> = { customer_admin: 1, channel_admin: 2, provider_admin: 3 };

const scopeFieldNotFound = (path: 'channelId' | 'customerId', what: string) =>
  new AppError('not_found', `${what} was not found.`, {
    errors: [{ path, code: 'not_found', message: `No such ${what.toLowerCase()}.` }],
  });

export function createUsersService({
  repos,
  uow,
}: {
  repos: { channels: ChannelsRepository; customers: CustomersRepository; users: UsersRepository };
  uow: UnitOfWork<{ audit: AuditRepository; auth: AuthRepository; users: UsersRepository }>;
}) {
  /** Checks that the actor may create a user with this role and scope; answers 404 for scopes it cannot see. */
  async function assertMayCreate(actor: Actor, input: UserCreate) {
    const scope = scopeOf(actor);
    if (rank[input.role] > rank[actor.role])
      throw forbidden(`A ${actor.role.replace('_', ' ')} cannot create a ${input.role.replace('_', ' ')}.`);
    if (input.role === 'channel_admin' && !(await repos.channels.get(scope, input.channelId!)))
      throw scopeFieldNotFound('channelId', 'Channel');
    if (input.role === 'customer_admin' && !(await repos.customers.get(scope, input.customerId!)))
      throw scopeFieldNotFound('customerId', 'Customer');
  }

  const auditScope = (u: Pick<User, 'channelId' | 'customerId'>) => ({
    channelId: u.channelId,
    customerId: u.customerId,
  });

  return {
    async list(actor: Actor, query: UserListQuery): Promise<Page<User>> {
      const { items, total } = await repos.users.list(scopeOf(actor), query);
      return { items, total, page: query.page, pageSize: query.pageSize };
    },

    async get(actor: Actor, id: string): Promise<User> {
      return (await repos.users.get(scopeOf(actor), id)) ?? Promise.reject(notFound('User'));
    },

    async create(actor: Actor, input: UserCreate): Promise<User> {
      await assertMayCreate(actor, input);
      const passwordHash = await hashPassword(input.password);
      return uow(async (r) => {
        const user = await r.users.create(scopeOf(actor), {
          email: input.email,
          name: input.name,
          role: input.role,
          passwordHash,
          channelId: input.channelId ?? null,
          customerId: input.customerId ?? null,
        });
        await recordAudit(r.audit, actor, {
          action: 'user.create',
          targetType: 'user',
          targetId: user.id,
          ...auditScope(user),
          summary: { email: user.email, role: user.role },
        });
        return user;
      });
    },

    async update(actor: Actor, id: string, input: UserUpdate): Promise<User> {
      const scope = scopeOf(actor);
      const current = await repos.users.get(scope, id);
      if (!current) throw notFound('User');
      if (input.disabled === true && id === actor.userId)
        throw conflict('disabled', 'You cannot disable your own account.');
      const patch: { name?: string; passwordHash?: string; disabled?: boolean } = {};
      if (input.resetTwoFactor && id === actor.userId)
        throw conflict('resetTwoFactor', 'Turn your own two-factor sign-in off in your settings.');
      if (input.name !== undefined) patch.name = input.name;
      if (input.disabled !== undefined) patch.disabled = input.disabled;
      if (input.password !== undefined) patch.passwordHash = await hashPassword(input.password);
      return uow(async (r) => {
        const user = await r.users.update(scope, id, patch);
        if (!user) throw notFound('User');
        // A password reset or disabling ends every session and revokes every API token for good: re-enabling
        // the user later revives none of them.
        let tokensRevoked = 0;
        if (patch.passwordHash || patch.disabled) {
          await r.auth.deleteSessionsOfUser(id);
          tokensRevoked = await r.auth.deleteApiTokensOfUser(id);
        }
        if (input.resetTwoFactor) {
          await r.users.clearTotp(id);
          await r.auth.replaceRecoveryCodes(id, []);
        }
        await recordAudit(r.audit, actor, {
          action: 'user.update',
          targetType: 'user',
          targetId: id,
          ...auditScope(user),
          summary: {
            name: input.name,
            disabled: input.disabled,
            passwordChanged: input.password !== undefined,
            ...(tokensRevoked ? { revokedApiAccess: tokensRevoked } : {}),
            ...(input.resetTwoFactor ? { twoFactorReset: true } : {}),
          },
        });
        return input.resetTwoFactor ? { ...user, twoFactorEnabled: false } : user;
      });
    },

    async remove(actor: Actor, id: string): Promise<void> {
      const scope = scopeOf(actor);
      const current = await repos.users.get(scope, id);
      if (!current) throw notFound('User');
      if (id === actor.userId) throw conflict('id', 'You cannot delete your own account.');
      await uow(async (r) => {
        if (current.role === 'provider_admin' && (await r.users.countProviderAdmins()) <= 1)
          throw conflict('id', 'The last provider admin cannot be deleted.');
        if (!(await r.users.remove(scope, id))) throw notFound('User');
        await recordAudit(r.audit, actor, {
          action: 'user.delete',
          targetType: 'user',
          targetId: id,
          ...auditScope(current),
          summary: { email: current.email },
        });
      });
    },
  };
}
export type UsersService = ReturnType<typeof createUsersService>;
