import type { NumberRangeList, NumberRangesChanged, NumberRangesUpdate } from '@trunkline/contracts';
import { api, request } from './client.ts';

const path = (serviceId: string) => `/services/${encodeURIComponent(serviceId)}/number-ranges`;

/** A service's number ranges (issue #11). */
export const numberRanges = {
  key: (serviceId: string) => ['/services', serviceId, 'number-ranges'] as const,
  list: (serviceId: string) => api.get<NumberRangeList>(path(serviceId)),
  replace: (serviceId: string, body: NumberRangesUpdate) =>
    request<NumberRangesChanged>('PUT', path(serviceId), { body }),
  /** The CSV text as one JSON string (the route also takes text/csv): added after the stored ranges. */
  importCsv: (serviceId: string, csv: string) =>
    api.post<NumberRangesChanged>(`${path(serviceId)}/import`, csv),
};
