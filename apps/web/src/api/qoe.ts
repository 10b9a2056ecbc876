import type {
  QoeCallDetail,
  QoeCallPage,
  QoeServiceSummaries,
  QoeServiceSummary,
  QoeSubscriptionState,
  QoeSummary,
} from '@trunkline/contracts';
import { api } from './client.ts';

/** The dashboard's filters: a range (ISO instants) and optionally a customer or a service. */
export type QoeFilters = {
  from: string;
  to: string;
  customerId?: string | undefined;
  serviceId?: string | undefined;
};

export type QoeCallFilters = QoeFilters & {
  poor?: boolean | undefined;
  failed?: boolean | undefined;
};

const flag = (v: boolean | undefined) => (v === undefined ? undefined : String(v));
const servicePath = (id: string) => `/services/${encodeURIComponent(id)}`;

/** Call quality (issue #15): the REST calls and the react-query keys their data is cached under. */
export const qoe = {
  /** Invalidate this key to refresh every QoE query (auto-refresh does it per query instead). */
  key: ['/qoe'] as const,
  summaryKey: (f: QoeFilters) => ['/qoe', 'summary', f] as const,
  summary: (f: QoeFilters) => api.get<QoeSummary>('/qoe/summary', f),
  callsKey: (f: QoeCallFilters) => ['/qoe', 'calls', f] as const,
  /** One keyset page, newest first; `cursor` is the `nextCursor` of the page before. */
  calls: (f: QoeCallFilters, cursor: string | undefined, limit = 25) =>
    api.get<QoeCallPage>('/qoe/calls', {
      ...f,
      poor: flag(f.poor),
      failed: flag(f.failed),
      cursor,
      limit,
    }),
  callKey: (serviceId: string, callId: string) => ['/qoe', 'call', serviceId, callId] as const,
  call: (serviceId: string, callId: string) =>
    api.get<QoeCallDetail>(`${servicePath(serviceId)}/qoe/calls/${encodeURIComponent(callId)}`),
  /** The last 24 hours of several services at once (those outside the user's scope are left out). */
  serviceSummariesKey: (serviceIds: readonly string[]) => ['/qoe', 'service-summaries', serviceIds] as const,
  serviceSummaries: (serviceIds: readonly string[]) =>
    api
      .get<QoeServiceSummaries>('/qoe/service-summaries', { serviceIds: serviceIds.join(',') })
      .then((r) => r.items),
  serviceSummaryKey: (serviceId: string) => ['/qoe', 'service-summary', serviceId] as const,
  /** The last 24 hours of one service (the service page). */
  serviceSummary: (serviceId: string) => api.get<QoeServiceSummary>(`${servicePath(serviceId)}/qoe/summary`),
  subscriptionKey: (serviceId: string) => ['/qoe', 'subscription', serviceId] as const,
  /** The service's call-record subscription (Teams Notification Service). */
  subscription: (serviceId: string) =>
    api.get<QoeSubscriptionState>(`${servicePath(serviceId)}/qoe/subscription`),
};
