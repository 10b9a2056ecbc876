import {
  NOTIFICATION_APP_PERMISSION,
  type M365Settings,
  type M365SettingsUpdate,
} from '@trunkline/contracts';
import { scopeOf, type Actor } from '../access/actor.ts';
import type { AuditRepository } from '../audit/audit.repository.ts';
import type { M365SettingsRepository } from './m365-settings.repository.ts';
import type { ServicesRepository } from '../services/services.repository.ts';
import { recordAudit } from '../audit/audit.ts';
import type { ConnectedRow, TenantAccess } from '../connections/tenant-access.ts';
import { EntraError, type EntraClient } from '../microsoft/entra.ts';
import { GraphError, type GraphClient, type Organization } from '../microsoft/graph.ts';
import { AppError, forbidden, invalid, notFound } from '../platform/errors.ts';
import type { UnitOfWork } from '../platform/db/unit-of-work.ts';
import type { Vault } from '../secrets/vault.ts';
import type { TransactionJobQueue } from '../jobs/job.ts';
import { qoeSyncSubscriptionsJob } from '../jobs/definitions.ts';

type Deps = {
  repos: { m365Settings: M365SettingsRepository; services: ServicesRepository };
  uow: UnitOfWork<{
    audit: AuditRepository;
    m365Settings: M365SettingsRepository;
    jobs: TransactionJobQueue;
  }>;
  access: TenantAccess;
  graph: GraphClient;
  entraForApp: (app: { clientId: string; clientSecret: string }) => EntraClient;
  vault: Vault;
};

export const notificationSecretContext = (serviceId: string) => ({
  table: 'service_m365_settings',
  rowId: serviceId,
  purpose: 'notification-secret',
});

/**
 * Step 9 of the wizard, the M365 settings of a connected service: the M365 domain (one of the tenant's verified
 * domains, the initial *.onmicrosoft.com one by default), who gets admin access to the service, and the
 * customer-side app registration of the Teams Notification Service (validated by a token with
 * CallRecords.Read.All, its secret kept only sealed).
 */
export function createM365SettingsService({ repos, uow, access, graph, entraForApp, vault }: Deps) {
  async function inScope(actor: Actor, serviceId: string) {
    const service = await repos.services.get(scopeOf(actor), serviceId);
    if (!service) throw notFound('Service');
    return service;
  }

  /** The tenant's organization, read with whichever token the connection gives. */
  async function organizationOf(row: ConnectedRow): Promise<Organization> {
    try {
      const token = (await access.delegatedToken(row)) ?? (await access.appToken(row));
      return await graph.organization(token.accessToken);
    } catch (e) {
      if (e instanceof EntraError || e instanceof GraphError)
        throw new AppError(
          'upstream_failed',
          `Microsoft 365 did not give the tenant's domains: ${e.message} Check the connection, then try again.`,
          { cause: e },
        );
      throw e;
    }
  }

  const initialDomain = (org: Organization) =>
    (org.verifiedDomains.find((d) => d.isInitial) ?? org.verifiedDomains[0])?.name ?? '';

  async function view(serviceId: string, row: ConnectedRow, org: Organization): Promise<M365Settings> {
    const saved = await repos.m365Settings.get(serviceId);
    const domains = [...org.verifiedDomains].sort((a, b) => Number(b.isInitial) - Number(a.isInitial));
    return {
      serviceId,
      tenantId: row.tenantId,
      verifiedDomains: domains.map(({ name, isInitial, isDefault }) => ({ name, isInitial, isDefault })),
      m365Domain: saved?.m365Domain ?? initialDomain(org),
      grantAdminAccess: {
        channelAdmins: saved?.grantChannelAdmins ?? true,
        customerAdmins: saved?.grantCustomerAdmins ?? false,
      },
      notificationApp:
        saved?.notificationClientId && saved.notificationValidatedAt
          ? {
              clientId: saved.notificationClientId,
              validatedAt: saved.notificationValidatedAt.toISOString(),
              permissions: [NOTIFICATION_APP_PERMISSION],
            }
          : null,
      saved: Boolean(saved),
    };
  }

  /** Validates the notification app by a token for the tenant; answers the sealed secret. */
  async function validateNotificationApp(
    serviceId: string,
    tenantId: string,
    app: { clientId: string; clientSecret: string },
  ): Promise<string> {
    const field = (path: string, message: string) => invalid([{ path, code: 'rejected', message }]);
    let roles: string[];
    try {
      roles = (await entraForApp(app).clientCredentials(tenantId)).roles;
    } catch (e) {
      if (!(e instanceof EntraError)) throw e;
      if (e.kind === 'unavailable')
        throw new AppError('upstream_failed', `Microsoft Entra ID could not be reached: ${e.message}`);
      const path = /7000215|7000222/.test(e.aadsts ?? '')
        ? 'notificationApp.clientSecret'
        : 'notificationApp.clientId';
      throw field(path, `Microsoft refused a token for this app in the tenant: ${e.message}`);
    }
    if (!roles.includes(NOTIFICATION_APP_PERMISSION))
      throw field(
        'notificationApp.clientId',
        `The app lacks the application permission ${NOTIFICATION_APP_PERMISSION} (with admin consent) in this tenant.`,
      );
    return vault.seal(app.clientSecret, notificationSecretContext(serviceId));
  }

  return {
    async get(actor: Actor, serviceId: string): Promise<M365Settings> {
      await inScope(actor, serviceId);
      const row = await access.connected(serviceId);
      return view(serviceId, row, await organizationOf(row));
    },

    async update(actor: Actor, serviceId: string, input: M365SettingsUpdate): Promise<M365Settings> {
      const service = await inScope(actor, serviceId);
      if (actor.role === 'customer_admin')
        throw forbidden('Only the provider or the channel sets the M365 settings of a service.');
      const row = await access.connected(serviceId);
      const org = await organizationOf(row);
      const domain = org.verifiedDomains.find((d) => d.name.toLowerCase() === input.m365Domain);
      if (!domain)
        throw invalid([
          {
            path: 'm365Domain',
            code: 'not_verified',
            message: `Not a verified domain of the tenant. Choose one of: ${org.verifiedDomains.map((d) => d.name).join(', ')}.`,
          },
        ]);
      const saved = await repos.m365Settings.get(serviceId);
      let notification = {
        notificationClientId: saved?.notificationClientId ?? null,
        notificationSecretSealed: saved?.notificationSecretSealed ?? null,
        notificationValidatedAt: saved?.notificationValidatedAt ?? null,
      };
      if (input.notificationApp === null)
        notification = {
          notificationClientId: null,
          notificationSecretSealed: null,
          notificationValidatedAt: null,
        };
      else if (input.notificationApp)
        notification = {
          notificationClientId: input.notificationApp.clientId,
          notificationSecretSealed: await validateNotificationApp(
            serviceId,
            row.tenantId,
            input.notificationApp,
          ),
          notificationValidatedAt: new Date(),
        };
      await uow(async (r) => {
        await r.m365Settings.upsert(serviceId, {
          m365Domain: domain.name,
          grantChannelAdmins: input.grantAdminAccess.channelAdmins,
          grantCustomerAdmins: input.grantAdminAccess.customerAdmins,
          ...notification,
        });
        // The call-record subscription follows the Notification Service app (QoE ingest, `qoe/`) at once.
        if (input.notificationApp !== undefined) await r.jobs.send(qoeSyncSubscriptionsJob, {});
        await recordAudit(r.audit, actor, {
          action: 'service.m365-settings',
          targetType: 'service',
          targetId: serviceId,
          customerId: service.customerId,
          summary: {
            m365Domain: domain.name,
            grantAdminAccess: input.grantAdminAccess,
            notificationApp:
              input.notificationApp === undefined
                ? 'unchanged'
                : input.notificationApp === null
                  ? 'removed'
                  : input.notificationApp.clientId,
          },
        });
      });
      return view(serviceId, row, org);
    },
  };
}
export type M365SettingsService = ReturnType<typeof createM365SettingsService>;
