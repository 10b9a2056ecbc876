import { randomUUID } from 'node:crypto';
import {
  CUSTOMER_LICENSED_USER_LIMIT,
  can,
  PRE_CONNECTION_STATUSES,
  TRUNK_NAME_FIXED_MESSAGE,
  editTrunkName,
  resolveTrunkName,
  shortNameProblem,
  type AdminAuth,
  type Availability,
  type CustomerUsage,
  type FieldError,
  type Service,
  type ServiceCreate,
  type ServiceCreated,
  type ServiceDraft,
  type ServiceDraftData,
  type ServiceListQuery,
  type ServicePage,
  type ServiceUpdate,
} from '@trunkline/contracts';
import { scopeOf, type Actor, type Scope } from '../access/actor.ts';
import type { AuditRepository } from '../audit/audit.repository.ts';
import type { MicrosoftAccessRepository } from '../auth/microsoft-access.ts';
import type { CustomersRepository } from '../customers/customers.repository.ts';
import type { InvitationsRepository } from '../invitations/invitations.repository.ts';
import type { TransactionJobQueue } from '../jobs/job.ts';
import type { LifecycleRepository } from '../lifecycle/lifecycle.repository.ts';
import type { M365SettingsRepository } from '../m365/m365-settings.repository.ts';
import type { SettingsRepository } from '../settings/settings.repository.ts';
import type { ServicesRepository } from './services.repository.ts';
import type { ConnectionsService } from '../connections/connections.service.ts';
import { recordAudit } from '../audit/audit.ts';
import type { InvitationTokens } from '../invitations/invitation-token.ts';
import { qoeSyncSubscriptionsJob, sendInvitationJob } from '../jobs/definitions.ts';
import { AppError, forbidden, invalid, notFound } from '../platform/errors.ts';
import { decodeCursor, encodeCursor } from '../platform/db/keyset.ts';
import type { UnitOfWork } from '../platform/db/unit-of-work.ts';
import { assertActionAllowed, withLifecycle } from '../lifecycle/lifecycle.ts';
import { statesMatching } from '../lifecycle/state-filter.ts';
import { endMicrosoftAccessIfLast } from '../auth/microsoft-access.ts';

/** What the service writes in one transaction (Remove service ends Sign in with Microsoft there too). */
type ServicesTransaction = {
  audit: AuditRepository;
  customers: CustomersRepository;
  invitations: InvitationsRepository;
  jobs: TransactionJobQueue;
  lifecycle: LifecycleRepository;
  m365Settings: M365SettingsRepository;
  microsoftAccess: MicrosoftAccessRepository;
  services: ServicesRepository;
};

type Deps = {
  repos: {
    customers: CustomersRepository;
    lifecycle: LifecycleRepository;
    services: ServicesRepository;
    settings: SettingsRepository;
  };
  connections: Pick<ConnectionsService, 'connectWithPassword'>;
  uow: UnitOfWork<ServicesTransaction>;
  tokens: InvitationTokens;
  invitationTtlDays: number;
  now?: () => Date;
};

/** Statuses before a connection exists: a new invitation or a connection moves the service on from these. */
export const PRE_CONNECTION = new Set<string>(PRE_CONNECTION_STATUSES);

const customerNotFound = () =>
  new AppError('not_found', 'Customer was not found.', {
    errors: [{ path: 'customerId', code: 'not_found', message: 'No such customer.' }],
  });

const trunkNameFixed = () =>
  new AppError('conflict', TRUNK_NAME_FIXED_MESSAGE, {
    errors: [
      {
        path: 'subdomain',
        code: 'fixed',
        message: 'The trunk name may be in the tenant and in DNS already: it can no longer change.',
      },
    ],
  });

export function createServicesService({
  repos,
  connections,
  uow,
  tokens,
  invitationTtlDays,
  now = () => new Date(),
}: Deps) {
  /** Checks names and the customer's user limit inside the transaction that writes; all 409s at once. */
  async function assertFree(
    r: { services: ServicesRepository },
    input: { shortName?: string; subdomain?: string; exceptServiceId?: string },
  ) {
    const errors: FieldError[] = [];
    if (
      input.shortName !== undefined &&
      (await r.services.shortNameTaken(input.shortName, input.exceptServiceId))
    )
      errors.push({
        path: 'shortName',
        code: 'taken',
        message: 'Another service has this short name (names are compared without case).',
      });
    if (
      input.subdomain !== undefined &&
      (await r.services.subdomainTaken(input.subdomain, input.exceptServiceId))
    )
      errors.push({ path: 'subdomain', code: 'taken', message: 'Another service uses this subdomain.' });
    if (errors.length) throw new AppError('conflict', errors.map((e) => e.message).join(' '), { errors });
  }

  async function assertWithinLimit(
    r: { services: ServicesRepository },
    scope: Scope,
    customerId: string,
    wanted: number,
    exceptServiceId?: string,
  ) {
    const used = await r.services.licensedUsersOf(scope, customerId, exceptServiceId);
    if (used + wanted > CUSTOMER_LICENSED_USER_LIMIT) {
      const remaining = Math.max(0, CUSTOMER_LICENSED_USER_LIMIT - used);
      const message = `This customer has ${remaining} of ${CUSTOMER_LICENSED_USER_LIMIT} licensed users left.`;
      throw new AppError('limit_exceeded', message, {
        errors: [{ path: 'licensedUsers', code: 'limit_exceeded', message }],
      });
    }
  }

  /** Creates an invitation and enqueues its e-mail in the caller's transaction, with its audit record. */
  async function issueInvitation(
    r: { invitations: InvitationsRepository; audit: AuditRepository; jobs: TransactionJobQueue },
    actor: Actor,
    input: {
      invitationId: string;
      serviceId: string;
      customerId: string;
      channelId: string | null;
      email: string;
      expiresAt: Date;
    },
  ) {
    await r.invitations.create(scopeOf(actor), {
      id: input.invitationId,
      serviceId: input.serviceId,
      email: input.email,
      tokenHash: tokens.hashOf(tokens.tokenFor(input.invitationId, 1)),
      expiresAt: input.expiresAt,
      createdBy: actor.userId,
    });
    await r.jobs.send(sendInvitationJob, { invitationId: input.invitationId });
    await recordAudit(r.audit, actor, {
      action: 'invitation.send',
      targetType: 'invitation',
      targetId: input.invitationId,
      customerId: input.customerId,
      channelId: input.channelId,
      summary: { email: input.email, expiresAt: input.expiresAt.toISOString() },
    });
  }

  // The provider and the channel add services (the permission table in contracts); customer admins see and
  // follow their own, with their own actions (re-authenticate, invitations, the Teams role).
  const mayManage = (actor: Actor) => can(actor.role, 'services.create');

  return {
    /**
     * Status and state filter in SQL (`lifecycle/state-filter.ts`: the facets the state is derived from, read by
     * the database), so those lists page by keyset too. The status sort is by the derived lifecycle's label:
     * that list derives every matching service, then sorts and pages.
     */
    async list(actor: Actor, query: ServiceListQuery): Promise<ServicePage> {
      const { status, state, cursor, ...rest } = query;
      const states = statesMatching({ status, state });
      if (query.sort !== 'status') {
        const at = cursor ? decodeCursor(cursor, query.sort, query.order) : null;
        if (cursor && !at)
          throw invalid([
            { path: 'cursor', code: 'invalid', message: 'Not a cursor of this sort and order.' },
          ]);
        const { items, total, totalIsEstimate, last } = await repos.services.list(scopeOf(actor), {
          ...rest,
          after: at,
          states,
        });
        return {
          items: await withLifecycle(repos, items),
          total,
          totalIsEstimate,
          nextCursor: last ? encodeCursor(query.sort, query.order, last) : null,
          page: query.page,
          pageSize: query.pageSize,
        };
      }
      // The sort by state's label is derived, not stored: all matches are read, so no cursor.
      if (cursor)
        throw invalid([
          { path: 'cursor', code: 'invalid', message: 'A cursor cannot be used with the status sort.' },
        ]);
      const { items } = await repos.services.list(scopeOf(actor), {
        ...rest,
        states,
        sort: 'createdAt',
        page: 1,
        pageSize: Number.MAX_SAFE_INTEGER,
      });
      const sign = query.order === 'asc' ? 1 : -1;
      const all = (await withLifecycle(repos, items)).sort(
        (a, b) => sign * a.lifecycle.label.localeCompare(b.lifecycle.label),
      );
      const start = (query.page - 1) * query.pageSize;
      return {
        items: all.slice(start, start + query.pageSize),
        total: all.length,
        totalIsEstimate: false,
        nextCursor: null,
        page: query.page,
        pageSize: query.pageSize,
      };
    },

    async get(actor: Actor, id: string): Promise<Service> {
      const found = await repos.services.get(scopeOf(actor), id);
      if (!found) throw notFound('Service');
      return (await withLifecycle(repos, [found]))[0]!;
    },

    async availability(
      actor: Actor,
      query: {
        shortName?: string | undefined;
        subdomain?: string | undefined;
        exceptServiceId?: string | undefined;
      },
    ): Promise<Availability> {
      // A service being edited keeps its zone; a new one gets the provider's SBC base domain.
      const editing = query.exceptServiceId
        ? await repos.services.get(scopeOf(actor), query.exceptServiceId)
        : null;
      // An id outside the actor's scope is not found: it must not be tied to a name by the answer.
      if (query.exceptServiceId && !editing) throw notFound('Service');
      const zone = editing?.zone ?? (await repos.settings.get()).sbcBaseDomain;
      let shortName: Availability['shortName'] = null;
      if (query.shortName !== undefined) {
        const problem = shortNameProblem(query.shortName);
        const taken =
          !problem && (await repos.services.shortNameTaken(query.shortName, query.exceptServiceId));
        shortName = {
          value: query.shortName,
          valid: !problem,
          available: !problem && !taken,
          message: problem ?? (taken ? 'Another service has this short name.' : null),
        };
      }
      let subdomain: Availability['subdomain'] = null;
      if (query.subdomain !== undefined || (query.shortName !== undefined && shortName?.valid)) {
        const resolved = resolveTrunkName({
          shortName: query.shortName ?? '',
          override: query.subdomain?.trim() || undefined,
          baseDomain: zone,
        });
        const taken =
          !resolved.problem && (await repos.services.subdomainTaken(resolved.label, query.exceptServiceId));
        subdomain = {
          value: resolved.label,
          fqdn: resolved.fqdn,
          valid: !resolved.problem,
          available: !resolved.problem && !taken,
          message: resolved.problem ?? (taken ? 'Another service uses this subdomain.' : null),
        };
      }
      return { shortName, subdomain };
    },

    async usage(actor: Actor, customerId: string): Promise<CustomerUsage> {
      const scope = scopeOf(actor);
      if (!(await repos.customers.get(scope, customerId))) throw notFound('Customer');
      const used = await repos.services.licensedUsersOf(scope, customerId);
      return {
        licensedUsers: {
          used,
          limit: CUSTOMER_LICENSED_USER_LIMIT,
          remaining: Math.max(0, CUSTOMER_LICENSED_USER_LIMIT - used),
        },
      };
    },

    /**
     * Creates a Direct Routing service. With an invitation, the invitation and its e-mail job are written
     * in the same transaction. With credentials, the password is used for one token request (the secure
     * connection) right after the service is stored, and then dropped; if Microsoft refuses, the service
     * waits as "awaiting token" and the answer says why and what to do instead.
     */
    async create(actor: Actor, input: ServiceCreate): Promise<ServiceCreated> {
      const scope = scopeOf(actor);
      if (!mayManage(actor)) throw forbidden('Only the provider or the channel adds services.');
      if (!(await repos.customers.get(scope, input.customerId))) throw customerNotFound();
      const licenseTypes = await repos.settings.licenseTypes();
      if (!licenseTypes.some((l) => l.id === input.licenseType))
        throw invalid([
          {
            path: 'licenseType',
            code: 'unknown',
            message: `Choose one of: ${licenseTypes.map((l) => l.name).join(', ')}.`,
          },
        ]);
      const { sbcBaseDomain } = await repos.settings.get();
      const sub = resolveTrunkName({
        shortName: input.shortName,
        override: input.subdomain,
        baseDomain: sbcBaseDomain,
      });
      if (sub.problem) throw invalid([{ path: 'subdomain', code: 'invalid', message: sub.problem }]);

      const invite = input.adminAuth.method === 'invite' ? input.adminAuth : null;
      const adminUsername = input.adminAuth.method === 'credentials' ? input.adminAuth.username : null;
      const invitationId = randomUUID();
      const expiresAt = new Date(now().getTime() + invitationTtlDays * 86_400_000);

      const serviceId = await uow(async (r) => {
        // Serialise writers per customer, so parallel requests cannot together pass the user limit.
        if (!(await r.customers.lock(scope, input.customerId))) throw customerNotFound();
        await assertFree(r, { shortName: input.shortName, subdomain: sub.label });
        await assertWithinLimit(r, scope, input.customerId, input.licensedUsers);
        const id = await r.services.create(scope, {
          customerId: input.customerId,
          fullName: input.fullName,
          shortName: input.shortName,
          subdomain: sub.label,
          subdomainOverridden: sub.overridden,
          zone: sub.zone,
          trunkFqdn: sub.fqdn,
          licenseType: input.licenseType,
          licensedUsers: input.licensedUsers,
          status: invite ? 'pending-invitation' : 'awaiting-token',
          adminAuthMethod: input.adminAuth.method,
          adminUsername,
          createdBy: actor.userId,
        });
        const customer = (await r.customers.get(scope, input.customerId))!;
        await recordAudit(r.audit, actor, {
          action: 'service.create',
          targetType: 'service',
          targetId: id,
          customerId: input.customerId,
          channelId: customer.channelId,
          summary: {
            fullName: input.fullName,
            shortName: input.shortName,
            trunkFqdn: sub.fqdn,
            licensedUsers: input.licensedUsers,
            adminAuth: invite
              ? { method: 'invite', email: invite.email }
              : { method: 'credentials', username: adminUsername },
          },
        });
        if (invite)
          await issueInvitation(r, actor, {
            invitationId,
            serviceId: id,
            customerId: input.customerId,
            channelId: customer.channelId,
            email: invite.email,
            expiresAt,
          });
        await r.services.deleteDraft(actor.userId!, input.customerId);
        return id;
      });
      // The credentials path: the password is used for one token request now and not kept.
      const connection =
        input.adminAuth.method === 'credentials'
          ? await connections.connectWithPassword(
              actor,
              serviceId,
              input.adminAuth.username,
              input.adminAuth.password,
            )
          : null;
      const [service] = await withLifecycle(repos, [(await repos.services.get(scope, serviceId))!]);
      return {
        ...service!,
        invitation: invite
          ? { id: invitationId, email: invite.email, expiresAt: expiresAt.toISOString() }
          : null,
        connection,
      };
    },

    /**
     * Re-initiate authentication: admin credentials again (one token request, the password not kept), or a
     * new invitation link to the IT administrator, which replaces any pending one.
     */
    async reauthenticate(actor: Actor, id: string, input: AdminAuth): Promise<ServiceCreated> {
      const scope = scopeOf(actor);
      const current = await repos.services.get(scope, id);
      if (!current) throw notFound('Service');
      // Re-authenticating changes only the connection facet: the run, its history, Retry and Remove stay.
      await assertActionAllowed(repos, id, 'reauthenticate', ({ label }) => ({
        detail: `The service is ${label.toLowerCase()}: it cannot be re-authenticated.`,
        code: 'not_reauthenticable',
        message: label,
      }));
      const fresh = async () => (await withLifecycle(repos, [(await repos.services.get(scope, id))!]))[0]!;
      if (input.method === 'credentials') {
        const connection = await connections.connectWithPassword(actor, id, input.username, input.password);
        return { ...(await fresh()), invitation: null, connection };
      }
      const customer = await repos.customers.get(scope, current.customerId);
      const invitationId = randomUUID();
      const expiresAt = new Date(now().getTime() + invitationTtlDays * 86_400_000);
      await uow(async (r) => {
        await r.invitations.revokeAllOfService(id);
        await issueInvitation(r, actor, {
          invitationId,
          serviceId: id,
          customerId: current.customerId,
          channelId: customer?.channelId ?? null,
          email: input.email,
          expiresAt,
        });
      });
      return {
        ...(await fresh()),
        invitation: { id: invitationId, email: input.email, expiresAt: expiresAt.toISOString() },
        connection: null,
      };
    },

    async update(actor: Actor, id: string, input: ServiceUpdate): Promise<Service> {
      const scope = scopeOf(actor);
      const current = await repos.services.get(scope, id);
      if (!current) throw notFound('Service');
      // The trunk name has its own reason, on its own field (the name may be in the tenant and in DNS).
      if (
        input.subdomain !== undefined &&
        current.trunkNameFixed &&
        editTrunkName(current, input).label !== current.subdomain
      )
        throw trunkNameFixed();
      await assertActionAllowed(repos, id, 'edit', () => ({
        detail:
          'Names and users can change only before default routing was configured (the trunk FQDN is on DNS then).',
        code: 'not_editable',
        message: 'Not editable any more.',
      }));
      const patch: Parameters<ServicesRepository['update']>[2] = {};
      if (input.fullName !== undefined) patch.fullName = input.fullName;
      if (input.shortName !== undefined) patch.shortName = input.shortName;
      if (input.licensedUsers !== undefined) patch.licensedUsers = input.licensedUsers;
      if (input.subdomain !== undefined || input.shortName !== undefined) {
        // In the service's own zone: a later change of the SBC base domain does not move it.
        const name = editTrunkName(current, input);
        if (name.label !== current.subdomain && current.trunkNameFixed) {
          // A new short name only (a new subdomain was refused above): the trunk keeps its name, which from
          // now on no longer follows the short name.
          patch.subdomainOverridden = true;
        } else {
          if (name.problem) throw invalid([{ path: 'subdomain', code: 'invalid', message: name.problem }]);
          patch.subdomain = name.label;
          patch.subdomainOverridden = name.overridden;
          patch.trunkFqdn = name.fqdn;
        }
      }
      return uow(async (r) => {
        await r.customers.lock(scope, current.customerId);
        // A routing run that started since the read above fixes the name as well.
        if (
          patch.subdomain !== undefined &&
          patch.subdomain !== current.subdomain &&
          (await r.services.trunkNameFixed(id))
        )
          throw trunkNameFixed();
        await assertFree(r, {
          ...(patch.shortName !== undefined ? { shortName: patch.shortName } : {}),
          ...(patch.subdomain !== undefined ? { subdomain: patch.subdomain } : {}),
          exceptServiceId: id,
        });
        if (patch.licensedUsers !== undefined)
          await assertWithinLimit(r, scope, current.customerId, patch.licensedUsers, id);
        await r.services.update(scope, id, patch);
        const customer = await r.customers.get(scope, current.customerId);
        await recordAudit(r.audit, actor, {
          action: 'service.update',
          targetType: 'service',
          targetId: id,
          customerId: current.customerId,
          channelId: customer?.channelId ?? null,
          summary: { ...input },
        });
        return (await withLifecycle(r, [(await r.services.get(scope, id))!]))[0]!;
      });
    },

    async remove(actor: Actor, id: string): Promise<void> {
      const scope = scopeOf(actor);
      const current = await repos.services.get(scope, id);
      if (!current) throw notFound('Service');
      await uow(async (r) => {
        // Decided from the facets read inside the transaction that deletes.
        await assertActionAllowed(r, id, 'delete', () => ({
          detail:
            'Trunkline created objects in the tenant or on DNS for this service: use Remove service, which removes them, instead of Delete.',
          code: 'not_deletable',
          message: 'Remove the service instead.',
        }));
        const customer = await r.customers.get(scope, current.customerId);
        const tenantId = await r.microsoftAccess.tenantOfService(id);
        if (!(await r.services.remove(scope, id))) throw notFound('Service');
        // Its call-record subscription (if any) is deleted at Graph at once (qoe/), not at the next scheduled sync.
        await r.jobs.send(qoeSyncSubscriptionsJob, {});
        await endMicrosoftAccessIfLast(r, actor, {
          serviceId: id,
          tenantId,
          customerId: current.customerId,
          channelId: customer?.channelId ?? null,
        });
        await recordAudit(r.audit, actor, {
          action: 'service.delete',
          targetType: 'service',
          targetId: id,
          customerId: current.customerId,
          channelId: customer?.channelId ?? null,
          summary: { shortName: current.shortName, fullName: current.fullName },
        });
      });
    },

    /** The actor's draft for the customer, or null when there is none (an ordinary answer, not an error). */
    async getDraft(actor: Actor, customerId: string): Promise<ServiceDraft | null> {
      if (!(await repos.customers.get(scopeOf(actor), customerId))) throw notFound('Customer');
      return repos.services.getDraft(actor.userId!, customerId);
    },
    async saveDraft(actor: Actor, customerId: string, data: ServiceDraftData): Promise<ServiceDraft> {
      if (!(await repos.customers.get(scopeOf(actor), customerId))) throw notFound('Customer');
      return repos.services.saveDraft(actor.userId!, customerId, data);
    },
    async deleteDraft(actor: Actor, customerId: string): Promise<void> {
      if (!(await repos.customers.get(scopeOf(actor), customerId))) throw notFound('Customer');
      if (!(await repos.services.deleteDraft(actor.userId!, customerId))) throw notFound('Draft');
    },
  };
}
export type ServicesService = ReturnType<typeof createServicesService>;
