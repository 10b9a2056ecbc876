import type {
  ProviderSettings,
  ProviderSettingsUpdate,
  RoutingSettings,
  RoutingSettingsUpdate,
} from '@trunkline/contracts';
import { api, request } from './client.ts';

export const providerSettings = {
  key: ['/settings'] as const,
  get: () => api.get<ProviderSettings>('/settings'),
  update: (body: ProviderSettingsUpdate) => api.patch<ProviderSettings>('/settings', body),
};

export const routingSettings = {
  key: ['/settings/routing'] as const,
  get: () => api.get<RoutingSettings>('/settings/routing'),
  update: (body: RoutingSettingsUpdate) => request<RoutingSettings>('PUT', '/settings/routing', { body }),
};
