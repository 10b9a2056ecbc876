import { ProviderSettingsSchema, ProviderSettingsUpdateSchema } from '@trunkline/contracts';
import { actorOf } from '../http/auth.ts';
import { problems, type App } from '../http/types.ts';
import type { SettingsService } from './settings.service.ts';

export function registerSettingsRoutes(app: App, { settings }: { settings: SettingsService }) {
  const tags = ['settings'];
  app.get(
    '/api/v1/settings',
    {
      schema: { tags, summary: 'Provider settings', response: { 200: ProviderSettingsSchema, ...problems } },
    },
    async (request) => settings.get(actorOf(request)),
  );
  app.patch(
    '/api/v1/settings',
    {
      schema: {
        tags,
        summary: 'Change provider settings (provider admins)',
        body: ProviderSettingsUpdateSchema,
        response: { 200: ProviderSettingsSchema, ...problems },
      },
    },
    async (request) => settings.update(actorOf(request), request.body),
  );
}
