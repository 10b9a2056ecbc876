import type {
  AdminAuth,
  Availability,
  ConnectionStatus,
  CustomerUsage,
  LicenseType,
  M365Settings,
  M365SettingsUpdate,
  PlanPreview,
  Workflow,
  Service,
  ServiceCreate,
  ServiceCreated,
  ServiceDraft,
  ServiceDraftData,
  ServiceUpdate,
} from '@trunkline/contracts';
import { api, ApiError, request } from './client.ts';
import { resource } from './resource.ts';

/** "There is none" from a server that still answers 404 for it. */
const nullOn404 = (error: unknown): null => {
  if (error instanceof ApiError && error.status === 404) return null;
  throw error;
};

const base = resource<Service, ServiceCreate, ServiceUpdate>('/services');
const customerPath = (customerId: string) => `/customers/${encodeURIComponent(customerId)}`;

export type AvailabilityParams = {
  shortName?: string;
  subdomain?: string;
  exceptServiceId?: string;
};

export const services = {
  ...base,
  create: (body: ServiceCreate) => api.post<ServiceCreated>('/services', body),
  availabilityKey: (params: AvailabilityParams) => ['/services', 'availability', params] as const,
  availability: (params: AvailabilityParams) => api.get<Availability>('/services/availability', params),
  reauthenticate: (id: string, body: AdminAuth) =>
    api.post<ServiceCreated>(`/services/${encodeURIComponent(id)}/authentication`, body),
  connectionKey: (id: string) => ['/services', id, 'connection'] as const,
  connection: (id: string) => api.get<ConnectionStatus>(`/services/${encodeURIComponent(id)}/connection`),
  checkTeamsRole: (id: string) =>
    api.post<ConnectionStatus>(`/services/${encodeURIComponent(id)}/connection/teams-role`),
  m365SettingsKey: (id: string) => ['/services', id, 'm365-settings'] as const,
  m365Settings: (id: string) => api.get<M365Settings>(`/services/${encodeURIComponent(id)}/m365-settings`),
  saveM365Settings: (id: string, body: M365SettingsUpdate) =>
    request<M365Settings>('PUT', `/services/${encodeURIComponent(id)}/m365-settings`, { body }),
  planKey: (id: string, configureDns: boolean) => ['/services', id, 'routing-plan', configureDns] as const,
  plan: (id: string, configureDns: boolean) =>
    api.get<PlanPreview>(`/services/${encodeURIComponent(id)}/routing/plan`, {
      configureDns: String(configureDns),
    }),
  powershellUrl: (id: string) => `/api/v1/services/${encodeURIComponent(id)}/routing/plan.ps1`,
  /** The service page's one event stream (event "service": a ServiceView). */
  liveUrl: (id: string) => `/api/v1/services/${encodeURIComponent(id)}/events`,
  /** The Onboarding view's one event stream (event "customer": a CustomerView). */
  customerLiveUrl: (customerId: string) => `/api/v1/customers/${encodeURIComponent(customerId)}/events`,
  workflowKey: (id: string) => ['/services', id, 'routing'] as const,
  /** The latest routing run, or null when there is none (200 `null` or 204; an older server's 404). */
  workflow: (id: string) =>
    api
      .get<Workflow | null | undefined>(`/services/${encodeURIComponent(id)}/routing`)
      .then((w) => w ?? null, nullOn404),
  startRouting: (id: string, configureDns: boolean) =>
    api.post<Workflow>(`/services/${encodeURIComponent(id)}/routing`, { configureDns }),
  retryRouting: (id: string) => api.post<Workflow>(`/services/${encodeURIComponent(id)}/routing/retry`),
  offboard: (id: string, confirmShortName: string) =>
    api.post<Workflow>(`/services/${encodeURIComponent(id)}/offboarding`, { confirmShortName }),
};

/** A customer's licensed-user budget across its services. */
export const usage = {
  key: (customerId: string) => ['/services', 'usage', customerId] as const,
  get: (customerId: string) => api.get<CustomerUsage>(`${customerPath(customerId)}/usage`),
};

/** The unfinished new-tenant form of a customer, kept on the server (never with the password). */
export const serviceDrafts = {
  key: (customerId: string) => ['/service-draft', customerId] as const,
  /** `useQuery` options for the draft of a customer: its key and its fetch. */
  query: (customerId: string) => ({
    queryKey: serviceDrafts.key(customerId),
    queryFn: () => serviceDrafts.get(customerId),
  }),
  /** The draft, or null when there is none (204 or 200 `null`; an older server's 404). */
  get: (customerId: string) =>
    api
      .get<ServiceDraft | null | undefined>(`${customerPath(customerId)}/service-draft`)
      .then((d) => d ?? null, nullOn404),
  save: (customerId: string, data: ServiceDraftData) =>
    request<ServiceDraft>('PUT', `${customerPath(customerId)}/service-draft`, { body: data }),
  /** Gone already (e.g. the server dropped it when the service was created) counts as done. */
  remove: (customerId: string) =>
    api.delete(`${customerPath(customerId)}/service-draft`).catch((error: unknown) => {
      if (error instanceof ApiError && error.status === 404) return;
      throw error;
    }),
};

export const licenseTypes = {
  key: ['/license-types'] as const,
  list: () => api.get<{ items: LicenseType[] }>('/license-types').then((r) => r.items),
};
