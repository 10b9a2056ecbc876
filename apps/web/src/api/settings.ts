import type { ProviderSettings, ProviderSettingsUpdate } from '@trunkline/contracts';
import { api } from './client.ts';

export const providerSettings = {
  key: ['/settings'] as const,
  get: () => api.get<ProviderSettings>('/settings'),
  update: (body: ProviderSettingsUpdate) => api.patch<ProviderSettings>('/settings', body),
};
